import Testing
import HelioEvents

@Suite struct PGByteaTextTests {
    @Test(arguments: [
        (#"\x0a0bff"#, "Cgv/"),
        (#"\x"#, ""),
        (#"\x48656c6c6f"#, "SGVsbG8="),
        (#"\x48656C6C6F21"#, "SGVsbG8h"),
        // bytea_output = escape, as PostgreSQL prints E'\\x0a5c41ff' and 'abc'.
        (#"\012\\A\377"#, "ClxB/w=="),
        ("abc", "YWJj"),
    ])
    func byteaBecomesBase64(_ text: String, _ expected: String) {
        #expect(PGValueConverter.convert(text, typeOID: PGTypeOID.bytea) == .string(expected))
    }

    @Test(arguments: [#"\x0"#, #"\x0g"#, #"\01"#, #"\999"#, #"\477"#])
    func malformedByteaStaysAString(_ text: String) {
        #expect(PGValueConverter.convert(text, typeOID: PGTypeOID.bytea) == .string(text))
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
                      ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func base64MatchesRFC4648Vectors(_ input: String, _ expected: String) {
        #expect(Base64.encode(Array(input.utf8)) == expected)
    }

    @Test func base64CoversEveryByte() {
        let encoded = Base64.encode((0...255).map { UInt8($0) })
        #expect(encoded.count == 344)
        #expect(encoded.hasPrefix("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"))
        #expect(encoded.hasSuffix("8/T19vf4+fr7/P3+/w=="))
    }
}
