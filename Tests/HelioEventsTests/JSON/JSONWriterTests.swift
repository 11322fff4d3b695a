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

    @Test func descriptionIsTheCompactJSON() {
        let value: JSONValue = ["id": 42, "name": "x"]
        #expect(value.description == #"{"id":42,"name":"x"}"#)
    }
}
