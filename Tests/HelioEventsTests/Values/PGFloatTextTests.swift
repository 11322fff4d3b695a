import Testing
import HelioEvents

@Suite struct PGFloatTextTests {
    static let float8Cases: [(String, String)] = [
        ("0.1", "0.1"),
        ("1e-07", "1e-07"),
        ("123456789.123", "123456789.123"),
        ("-0", "-0"),
        ("100", "100"),
        ("1e+20", "1e+20"),
        ("1e+16", "1e+16"),
        ("5e-324", "5e-324"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("1.7976931348623157e+308", "1.7976931348623157e+308"),
        ("2.2250738585072014e-308", "2.2250738585072014e-308"),
        // What a session with extra_float_digits = 3 prints: re-shortened.
        ("0.10000000000000001", "0.1"),
    ]

    @Test(arguments: float8Cases)
    func float8IsShortestRoundTrip(_ input: String, _ expected: String) throws {
        let value = PGValueConverter.convert(input, typeOID: PGTypeOID.float8)
        #expect(value == .number(expected))
        // The output must be valid JSON and name exactly the same double.
        let reparsed = try JSONValue.parse(expected)
        #expect(reparsed.doubleValue == Double(input))
        #expect(reparsed.doubleValue?.sign == Double(input)?.sign)
    }

    static let float4Cases: [(String, String)] = [
        ("0.1", "0.1"),
        ("3.4028235e+38", "3.4028235e+38"),
        ("1e-07", "1e-07"),
        ("1.6777216e+07", "16777216"),
        ("123.456", "123.456"),
        ("1.5", "1.5"),
    ]

    @Test(arguments: float4Cases)
    func float4IsShortestForAFloat(_ input: String, _ expected: String) throws {
        #expect(PGValueConverter.convert(input, typeOID: PGTypeOID.float4) == .number(expected))
        #expect(Float(expected) == Float(input))
        _ = try JSONValue.parse(expected)
    }

    @Test(arguments: [PGTypeOID.float4, PGTypeOID.float8])
    func nonFiniteValuesBecomeStrings(_ oid: UInt32) {
        #expect(PGValueConverter.convert("NaN", typeOID: oid) == .string("NaN"))
        #expect(PGValueConverter.convert("Infinity", typeOID: oid) == .string("Infinity"))
        #expect(PGValueConverter.convert("-Infinity", typeOID: oid) == .string("-Infinity"))
    }

    @Test func unparsableFloatTextStaysAString() {
        #expect(PGValueConverter.convert("1,5", typeOID: PGTypeOID.float8) == .string("1,5"))
    }
}
