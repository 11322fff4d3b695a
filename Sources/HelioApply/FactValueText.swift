import HelioEvents
import HelioOps

/// Decides whether a JSON value of a fact row can be staged typed, and gives its COPY value.
/// Strict on purpose: a value PostgreSQL might refuse would fail the whole COPY, so only the
/// forms the contract prescribes (§2: integers as numbers, `numeric` as exact decimal
/// strings, timestamps as ISO-8601 with offset, dates as `YYYY-MM-DD`) with values in range
/// are accepted; anything else goes the jsonb way, which handles it as it always has.
enum FactValueText {
    enum Kind {
        case bigint, numeric, timestamptz, date
    }

    /// The value in binary COPY form, or nil when it must take the jsonb path.
    static func typed(_ value: JSONValue, as kind: Kind) -> FactValueBinary? {
        switch kind {
        case .bigint:
            return value.int64Value.map { .bigint($0) }
        case .numeric:
            guard let text = value.stringValue ?? value.numberText else { return nil }
            let bytes = Array(text.utf8)
            return isDecimal(bytes) ? .numeric(FactValueBinary.numeric(decimal: bytes)) : nil
        case .timestamptz:
            return value.stringValue.flatMap { unixMicros(Array($0.utf8)) }
                .map { .timestamptz(PostgresTime.postgresMicros(unixMicros: $0)) }
        case .date:
            guard let text = value.stringValue else { return nil }
            let bytes = Array(text.utf8)
            guard bytes.count == 10, let days = unixDays(bytes[...]) else { return nil }
            return .date(Int32(Int64(days) - FactValueBinary.postgresEpochDays))
        }
    }

    /// `-?digits(.digits)?`, at most 1,000 characters (numeric(14,4) needs far fewer).
    static func isDecimal(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 1_000 else { return false }
        var index = bytes[0] == UInt8(ascii: "-") ? 1 : 0
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > integerStart else { return false }
        guard index < bytes.count else { return true }
        guard bytes[index] == UInt8(ascii: ".") else { return false }
        index += 1
        let fractionStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > fractionStart && index == bytes.count
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,6}]` then `Z` or `±HH:MM[:SS]`, every field in range, as
    /// microseconds since 1970-01-01 UTC; nil for any other text.
    static func unixMicros(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count >= 20, let days = unixDays(bytes[0..<10]), bytes[10] == UInt8(ascii: "T"),
              let hour = number(bytes, 11, 2), hour < 24, bytes[13] == UInt8(ascii: ":"),
              let minute = number(bytes, 14, 2), minute < 60, bytes[16] == UInt8(ascii: ":"),
              let second = number(bytes, 17, 2), second < 60 else { return nil }
        var index = 19
        var micros = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) {
                micros = micros * 10 + Int(bytes[index] - 48)
                index += 1
            }
            guard (1...6).contains(index - start) else { return nil }
            for _ in (index - start)..<6 { micros *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        if bytes[index] == UInt8(ascii: "Z") {
            guard index + 1 == bytes.count else { return nil }
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
            let parts = bytes[(index + 1)...].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(isDigit) }) else { return nil }
            let values = parts.map { Int($0.first! - 48) * 10 + Int($0.last! - 48) }
            guard values[0] <= 15, values.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
            offset = (values[0] * 3_600 + values[1] * 60 + (values.count > 2 ? values[2] : 0))
                * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second - offset)
        return seconds * 1_000_000 + Int64(micros)
    }

    /// `YYYY-MM-DD`, year 0001–9999, a day that exists in that month, as days since
    /// 1970-01-01; nil for any other text.
    static func unixDays(_ bytes: ArraySlice<UInt8>) -> Int? {
        let base = bytes.startIndex
        guard bytes.count >= 10, let year = number(bytes, base, 4), year >= 1, bytes[base + 4] == UInt8(ascii: "-"),
              let month = number(bytes, base + 5, 2), (1...12).contains(month), bytes[base + 7] == UInt8(ascii: "-"),
              let day = number(bytes, base + 8, 2), day >= 1, day <= CivilCalendar.days(inMonth: month, year: year)
        else { return nil }
        return CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
    }

    private static func number<C: RandomAccessCollection>(_ bytes: C, _ start: C.Index, _ length: Int) -> Int?
    where C.Element == UInt8, C.Index == Int {
        guard start >= bytes.startIndex, start + length <= bytes.endIndex else { return nil }
        var value = 0
        for index in start..<(start + length) {
            guard isDigit(bytes[index]) else { return nil }
            value = value * 10 + Int(bytes[index] - 48)
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
}
