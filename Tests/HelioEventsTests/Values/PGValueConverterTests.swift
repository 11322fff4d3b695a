import Testing
import HelioEvents

/// Inputs are real PostgreSQL 15 text outputs (DateStyle ISO), captured from a server.
@Suite struct PGValueConverterTests {
    private func convert(_ text: String, _ oid: UInt32) -> JSONValue {
        PGValueConverter.convert(text, typeOID: oid)
    }

    @Test func integersBecomeNumbers() {
        #expect(convert("1", PGTypeOID.int2) == .number("1"))
        #expect(convert("2147483647", PGTypeOID.int4) == .number("2147483647"))
        #expect(convert("-9223372036854775808", PGTypeOID.int8) == .number("-9223372036854775808"))
        #expect(convert("4294967295", PGTypeOID.oid) == .number("4294967295"))
        #expect(convert("0", PGTypeOID.int8) == .number("0"))
    }

    @Test func integerTextThatIsNoJSONNumberStaysAString() {
        #expect(convert("12a", PGTypeOID.int4) == .string("12a"))
        #expect(convert("007", PGTypeOID.int4) == .string("007"))
        #expect(convert("-", PGTypeOID.int4) == .string("-"))
        #expect(convert("", PGTypeOID.int8) == .string(""))
    }

    @Test(arguments: ["1.2300", "NaN", "Infinity", "-Infinity", "0.000001230", "100000000000000000000", "-12.500"])
    func numericKeepsItsExactTextAsAString(_ text: String) {
        #expect(convert(text, PGTypeOID.numeric) == .string(text))
    }

    @Test func booleans() {
        #expect(convert("t", PGTypeOID.bool) == .bool(true))
        #expect(convert("f", PGTypeOID.bool) == .bool(false))
        #expect(convert("maybe", PGTypeOID.bool) == .string("maybe"))
    }

    @Test func jsonIsEmbeddedAsAValue() {
        #expect(convert(#"{"a": 1, "b": [1.50, null]}"#, PGTypeOID.json) == ["a": 1, "b": [.number("1.50"), .null]])
        #expect(convert(#"{"n": 10000000000, "s": "éé\n"}"#, PGTypeOID.jsonb) == ["n": .number("10000000000"), "s": "éé\n"])
        #expect(convert(#"{"s": "é\u00e9\n", "n": 1.0e10}"#, PGTypeOID.json) == ["s": "éé\n", "n": .number("1.0e10")])
        #expect(convert(#""x""#, PGTypeOID.jsonb) == .string("x"))
        #expect(convert("1e2", PGTypeOID.json) == .number("1e2"))
    }

    @Test func unparsableJSONFallsBackToAString() {
        #expect(convert("{", PGTypeOID.jsonb) == .string("{"))
    }

    @Test func textLikeAndUnknownTypesStayStrings() {
        #expect(convert("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", PGTypeOID.uuid) == .string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        #expect(convert("ab  ", PGTypeOID.bpchar) == .string("ab  "))
        #expect(convert("x", PGTypeOID.name) == .string("x"))
        #expect(convert("São \"x\"", PGTypeOID.text) == .string("São \"x\""))
        #expect(convert("active", PGTypeOID.varchar) == .string("active"))
        #expect(convert("suspended", 16_385) == .string("suspended"))  // an enum's OID
        #expect(convert("04:05:06.789", PGTypeOID.time) == .string("04:05:06.789"))
        #expect(convert("04:05:06-08", PGTypeOID.timetz) == .string("04:05:06-08"))
        #expect(convert("1 year 2 mons 3 days 04:05:06.7", PGTypeOID.interval) == .string("1 year 2 mons 3 days 04:05:06.7"))
        #expect(convert("-1 days", PGTypeOID.interval) == .string("-1 days"))
    }

    @Test func convertsRawBytes() {
        #expect(PGValueConverter.convert(utf8: Array("42".utf8), typeOID: PGTypeOID.int8) == .number("42"))
        #expect(PGValueConverter.convert(utf8: Array("t".utf8)[...], typeOID: PGTypeOID.bool) == .bool(true))
    }
}
