import Testing
import HelioEvents

/// Inputs are PostgreSQL 15's `array_out` text for the arrays noted.
@Suite struct PGArrayTextTests {
    private func convert(_ text: String, _ oid: UInt32) -> JSONValue {
        PGValueConverter.convert(text, typeOID: oid)
    }

    @Test func integerArrayWithNull() {
        #expect(convert("{1,2,NULL}", PGTypeOID.int4Array) == [1, 2, .null])
    }

    @Test func quotedTextElements() {
        // array['a b','c"d','', 'NULL', null, 'x\y', '{}', ' lead']::text[]
        let text = #"{"a b","c\"d","","NULL",NULL,"x\\y","{}"," lead"}"#
        #expect(convert(text, PGTypeOID.textArray) == ["a b", "c\"d", "", "NULL", .null, "x\\y", "{}", " lead"])
        let unicode = "{\"é ü\",\"tab\there\",\"a,b\",\"x}y\"}"
        #expect(convert(unicode, PGTypeOID.textArray) == ["é ü", "tab\there", "a,b", "x}y"])
    }

    @Test func nestedArrays() {
        #expect(convert("{{1,2},{3,4}}", PGTypeOID.int8Array) == [[1, 2], [3, 4]])
        #expect(convert("{{a,b},{c,NULL}}", PGTypeOID.varcharArray) == [["a", "b"], ["c", .null]])
    }

    @Test func emptyArrayAndBounds() {
        #expect(convert("{}", PGTypeOID.int4Array) == [])
        #expect(convert("[0:1]={1,2}", PGTypeOID.int4Array) == [1, 2])
        #expect(convert("{ 1 , 2 }", PGTypeOID.int4Array) == [1, 2])
    }

    @Test func elementsUseTheElementTypesConversion() {
        #expect(convert("{0.1,1e+20}", PGTypeOID.float8Array) == [.number("0.1"), .number("1e+20")])
        #expect(convert("{1.5,NaN}", PGTypeOID.float4Array) == [.number("1.5"), "NaN"])
        #expect(convert("{1.20,NaN}", PGTypeOID.numericArray) == ["1.20", "NaN"])
        #expect(convert("{t,f,NULL}", PGTypeOID.boolArray) == [true, false, .null])
        #expect(convert(#"{"2026-11-29 00:27:04.5+00"}"#, PGTypeOID.timestamptzArray) == ["2026-11-29T00:27:04.5Z"])
        #expect(convert(#"{"2026-11-28 21:27:04-03"}"#, PGTypeOID.timestamptzArray) == ["2026-11-28T21:27:04-03:00"])
        #expect(convert(#"{"2026-11-29 00:27:04"}"#, PGTypeOID.timestampArray) == ["2026-11-29T00:27:04"])
        #expect(convert("{2026-11-29}", PGTypeOID.dateArray) == ["2026-11-29"])
        #expect(convert(#"{"\\x0a"}"#, PGTypeOID.byteaArray) == ["Cg=="])
        #expect(convert(#"{"{\"a\": 1}"}"#, PGTypeOID.jsonbArray) == [["a": 1]])
        #expect(convert(#"{"{\"k\": \"v\"}",NULL}"#, PGTypeOID.jsonArray) == [["k": "v"], .null])
        #expect(convert("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", PGTypeOID.uuidArray) == ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"])
        #expect(convert(#"{"1 day"}"#, PGTypeOID.intervalArray) == ["1 day"])
        #expect(convert("{1,-2}", PGTypeOID.int2Array) == [1, -2])
    }

    @Test(arguments: ["{1,2", "{1,2}x", "{,}", "{1,,2}", #"{"abc}"#, "{{{{{{{1}}}}}}}", "[0:1]", "1,2", #"{a"b}"#, "{\"x\\"])
    func malformedArrayTextStaysAString(_ text: String) {
        #expect(convert(text, PGTypeOID.int4Array) == .string(text))
    }

    @Test func sixDimensionsAreAllowed() {
        #expect(convert("{{{{{{1}}}}}}", PGTypeOID.int4Array) == [[[[[[1]]]]]])
    }
}
