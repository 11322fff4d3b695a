import Testing
@testable import HelioEvents

@Suite struct JSONParserTests {
    @Test(arguments: ["0", "-0", "42", "0.1", "1.2300", "1E+2", "1e-07", "-12.5e3", "12345678901234567890123"])
    func numbersKeepTheirExactText(_ text: String) throws {
        #expect(try JSONValue.parse(text) == .number(text))
    }

    @Test func parsesNestedDocumentsKeepingOrderAndDuplicates() throws {
        let value = try JSONValue.parse(" {\"b\" : [1, {\"x\":null}], \"a\":true ,\"b\":false}\r\n\t")
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "b"])
        #expect(object["b"] == [1, ["x": .null]])
        #expect(object["a"] == true)
    }

    @Test func decodesEscapes() throws {
        let value = try JSONValue.parse(#""\"\\\/\b\f\n\r\t\u00e9\u00E9\uD83D\uDE00\u0000""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\té\u{E9}😀\u{0}"))
    }

    @Test func acceptsRawUTF8() throws {
        #expect(try JSONValue.parse("\"São ☀️\"") == .string("São ☀️"))
    }

    @Test func parsesFromAnyCollection() throws {
        let bytes = Array("[1,2]".utf8)
        #expect(try JSONValue.parse(bytes[...]) == [1, 2])
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == [1, 2])
    }

    static let malformed: [(String, JSONParseError.Code, Int)] = [
        ("", .unexpectedEnd, 0),
        ("   ", .unexpectedEnd, 3),
        ("[1,2", .unexpectedEnd, 4),
        ("{\"a\":", .unexpectedEnd, 5),
        ("\"abc", .unexpectedEnd, 4),
        ("\"ab\\", .unexpectedEnd, 4),
        ("tru", .unexpectedEnd, 3),
        ("nul1", .unexpectedByte(UInt8(ascii: "1")), 3),
        ("[1,]", .unexpectedByte(UInt8(ascii: "]")), 3),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2")), 3),
        ("{1:2}", .unexpectedByte(UInt8(ascii: "1")), 1),
        ("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1")), 5),
        ("{\"a\":1,}", .unexpectedByte(UInt8(ascii: "}")), 7),
        ("NaN", .unexpectedByte(UInt8(ascii: "N")), 0),
        ("+1", .unexpectedByte(UInt8(ascii: "+")), 0),
        (".5", .unexpectedByte(UInt8(ascii: ".")), 0),
        ("-a", .invalidNumber, 1),
        ("1.x", .invalidNumber, 2),
        ("1e+", .unexpectedEnd, 3),
        ("1.", .unexpectedEnd, 2),
        ("01", .trailingData, 1),
        ("[1] x", .trailingData, 4),
        ("{} {}", .trailingData, 3),
        (#""\x""#, .invalidEscape, 1),
        (#""\u12G4""#, .invalidUnicodeEscape, 1),
        (#""\u12""#, .invalidUnicodeEscape, 1),
        (#""\uD83D""#, .invalidUnicodeEscape, 1),
        (#""\uD83Dx""#, .invalidUnicodeEscape, 1),
        (#""\uD83D\u0041""#, .invalidUnicodeEscape, 1),
        (#""\uDE00""#, .invalidUnicodeEscape, 1),
        ("\"a\u{01}\"", .controlCharacterInString, 2),
        ("\"a\\n\nb\"", .controlCharacterInString, 4),
    ]

    @Test(arguments: malformed)
    func malformedInputThrowsWithOffset(_ input: String, _ code: JSONParseError.Code, _ offset: Int) {
        #expect(throws: JSONParseError(code, at: offset)) { try JSONValue.parse(input) }
    }

    @Test func invalidUTF8IsRejectedNotRepaired() {
        #expect(throws: JSONParseError(.invalidUTF8, at: 0)) { try JSONValue.parse([0x22, 0xC3, 0x22]) }
        #expect(throws: JSONParseError(.invalidUTF8, at: 1)) { try JSONValue.parse([0x5B, 0x22, 0xFF, 0x5C, 0x6E, 0x22, 0x5D]) }
    }

    @Test(arguments: [[0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
                      [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xE2, 0x28, 0xA1],
                      [0xF0, 0x9F, 0x98]] as [[UInt8]])
    func malformedUTF8IsRejected(_ sequence: [UInt8]) {
        let document: [UInt8] = [0x22, 0x61] + sequence + [0x22]
        #expect(throws: JSONParseError(.invalidUTF8, at: 0)) { try JSONValue.parse(document) }
    }

    @Test func wellFormedUTF8AtTheBoundariesIsAccepted() throws {
        let text = "\u{7F}\u{80}\u{7FF}\u{800}€\u{D7FF}\u{E000}\u{FFFF}\u{10000}😀\u{10FFFF}"
        #expect(try JSONValue.parse(Array("\"\(text)\"".utf8)) == .string(text))
    }

    @Test func nestingIsLimited() throws {
        let depth = JSONValue.defaultMaxDepth
        let ok = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let tooDeep = "[" + ok + "]"
        #expect(throws: JSONParseError(.nestingTooDeep, at: depth)) { try JSONValue.parse(tooDeep) }
        // Far deeper than any stack could recurse: must fail cleanly, not crash.
        let hostile = String(repeating: "{\"a\":[", count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(hostile) }
        #expect(throws: JSONParseError(.nestingTooDeep, at: 2)) { try JSONValue.parse("[[[1]]]", maxDepth: 2) }
    }

    @Test func everyTruncationOfADocumentThrows() throws {
        let document = Array(#"{"before":null,"after":{"id":42,"s":"a\"é\u00e9","n":[1.5e3,true]},"op":"c"}"#.utf8)
        #expect(try JSONValue.parse(document).objectValue?.count == 3)
        for length in 0..<document.count {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(document[..<length]) }
        }
    }

    @Test func corruptedBytesNeverCrash() throws {
        let document = Array(#"{"a":[1,-2.5e3,"x\ny",true,null,{"b":"\ud83d\ude00"}]}"#.utf8)
        var outcomes = (parsed: 0, failed: 0)
        let replacements: [UInt8] = [0x00, 0x22, 0x5C, 0x7B, 0x5D, 0x2C, 0xFF, 0x30, 0x20]
        for index in document.indices {
            for replacement in replacements {
                var corrupted = document
                corrupted[index] = replacement
                if (try? JSONValue.parse(corrupted)) != nil { outcomes.parsed += 1 } else { outcomes.failed += 1 }
            }
        }
        #expect(outcomes.failed > 0 && outcomes.parsed > 0)
        #expect(outcomes.parsed + outcomes.failed == document.count * replacements.count)
    }
}
