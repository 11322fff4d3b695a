import Testing
@testable import HelioEvents

@Suite struct JSONWriterTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: value.encoded(), as: UTF8.self)
    }

    @Test func escapesQuoteBackslashAndControlCharacters() {
        let value = JSONValue.string("a\"b\\c\n\t\r\u{08}\u{0C}\u{01}\u{1F}/")
        #expect(text(value) == #""a\"b\\c\n\t\r\b\f\u0001\u001f/""#)
    }

    @Test func keepsUTF8AsIs() {
        let value = JSONValue.string("São Paulo ☀️ 😀")
        #expect(value.encoded() == Array("\"São Paulo ☀️ 😀\"".utf8))
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let all = String(decoding: (0..<0x20).map { UInt8($0) } + Array("x\"\\y\u{7F}é".utf8), as: UTF8.self)
        let encoded = JSONValue.string(all).encoded()
        #expect(!encoded.dropFirst().dropLast().contains { $0 < 0x20 })
        #expect(try JSONValue.parse(encoded) == .string(all))
    }

    @Test func writesNumbersVerbatimAndObjectsInOrder() {
        let value: JSONValue = ["z": .number("1.2300"), "a": [.number("1e+20"), .null, true, false], "m": ["k": "v"]]
        #expect(text(value) == #"{"z":1.2300,"a":[1e+20,null,true,false],"m":{"k":"v"}}"#)
    }

    @Test func emptyContainers() {
        #expect(text(.array([])) == "[]")
        #expect(text(.object(JSONObject())) == "{}")
        #expect(text(.string("")) == #""""#)
    }

    @Test func appendsDecimalsAtTheLimits() {
        var buffer: [UInt8] = []
        buffer.appendDecimal(Int64.min)
        buffer.append(UInt8(ascii: " "))
        buffer.appendDecimal(Int64.max)
        buffer.append(UInt8(ascii: " "))
        buffer.appendDecimal(UInt64.max)
        buffer.append(UInt8(ascii: " "))
        buffer.appendDecimal(Int64(0))
        #expect(String(decoding: buffer, as: UTF8.self)
            == "-9223372036854775808 9223372036854775807 18446744073709551615 0")
    }

    @Test("decimals of every length, and around each power of ten, are what String(_:) writes")
    func appendsDecimalsOfEveryLength() {
        var values: [UInt64] = [0, 9, 10, 11, 99, 100, 101, 999, 1_000]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1, power / 10 * 7 + 3]
        }
        var random = SystemRandomNumberGenerator()
        values += (0..<2_000).map { _ in UInt64.random(in: 0 ... .max, using: &random) >> UInt64.random(in: 0..<64, using: &random) }
        for value in values {
            var buffer: [UInt8] = []
            buffer.appendDecimal(value)
            #expect(String(decoding: buffer, as: UTF8.self) == String(value))
        }
    }

    @Test("Debezium's three processing times come from one rendering of the nanoseconds, and equal the three divisions")
    func processingTimes() {
        for nanos: UInt64 in [0, 7, 999_999, 1_000_000, 1_000_999, 1_765_000_000_123_456_789, 1_765_000_000_000_000_000, UInt64(Int64.max)] {
            var buffer: [UInt8] = []
            buffer.appendProcessingTimes(nanos: nanos)
            #expect(String(decoding: buffer, as: UTF8.self)
                == "\"ts_ms\":\(nanos / 1_000_000),\"ts_us\":\(nanos / 1_000),\"ts_ns\":\(nanos)")
        }
    }

    @Test func descriptionIsTheCompactJSON() {
        let value: JSONValue = ["id": 42, "name": "x"]
        #expect(value.description == #"{"id":42,"name":"x"}"#)
    }
}
