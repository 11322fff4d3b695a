import Testing
@testable import HelioEvents

/// The allocation-free shortcuts of the Debezium form's hot values (bench/capture) give what
/// the general paths give, which the conformance run checks against Debezium itself.
@Suite struct DebeziumShortcutTests {
    @Test func aUTCTimestampRewrittenIsTheParsedOne() {
        let texts = ["2024-01-01 00:01:00+00", "2024-03-01 13:45:30.5+00", "1999-12-31 23:59:59.999999+00",
                     "0099-01-01 00:00:00.01+00", "2026-12-06 17:30:00.123+00", "1970-01-01 00:00:00+00"]
        for text in texts {
            let micros = DebeziumTemporal.epochMicros(timestamptz: text)!
            for precision in [-1, 0, 1, 3, 6, 9] {
                let digits: Int? = precision >= 1 && precision <= 9 ? precision : nil
                let general = DebeziumTemporal.isoUTC(epochMicros: micros, fractionDigits: digits)
                let rewritten = DebeziumTemporal.zonedTimestampOfUTCText(text, fractionDigits: digits)
                // Rewritten when the printed fraction fits the precision; else left to the general path.
                if let rewritten { #expect(rewritten == general, "\(text) at precision \(precision)") }
                #expect(DebeziumTemporal.zonedTimestamp(text, precision: precision) == general, "\(text) at precision \(precision)")
            }
        }
        #expect(DebeziumTemporal.zonedTimestampOfUTCText("2024-03-01 13:45:30.5+00", fractionDigits: 6) == "2024-03-01T13:45:30.500000Z")
    }

    @Test func otherTimestampTextsTakeTheGeneralPath() {
        for text in ["2024-03-01 13:45:30+05:30", "0044-03-15 12:00:00+00 BC", "10000-01-01 00:00:00+00", "infinity", "-infinity",
                     "2024-03-01 13:45:30.1234567+00", "2024-03-01T13:45:30+00", "2024-3-01 13:45:30+00", "2024-03-01 13:45:30.+00"] {
            #expect(DebeziumTemporal.zonedTimestampOfUTCText(text, fractionDigits: 6) == nil, "\(text)")
        }
        #expect(DebeziumTemporal.zonedTimestampOfUTCText("2024-03-01 13:45:30.1234+00", fractionDigits: 3) == nil)
    }

    @Test func base64OfAnUnscaledValueIsJavasToByteArray() {
        var values: [Int64] = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, .max, .min, .max - 1, .min + 1]
        for shift in 0..<63 { values += [Int64(1) << shift, -(Int64(1) << shift), (Int64(1) << shift) - 1, 12_9973 << (shift / 2)] }
        for value in values {
            #expect(DebeziumDecimal.base64(value) == Base64.encode(Self.toByteArray(value)), "\(value)")
        }
        #expect(DebeziumDecimal.base64(15_000) == "Opg=")
    }

    /// `BigInteger.valueOf(value).toByteArray()`, the slow way: drop leading bytes while the
    /// next one carries the same sign.
    static func toByteArray(_ value: Int64) -> [UInt8] {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: value >> Int64(8 * (7 - $0))) }
        while bytes.count > 1, (bytes[0] == 0 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0) { bytes.removeFirst() }
        return bytes
    }
}
