import Testing
@testable import HelioEvents

/// Fixtures: PostgreSQL's text output of bench/debezium's `all_types` rows (capture's session:
/// DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601) and the JSON Debezium 3.6.3 printed
/// for them in a conformance run (`.local/debezium/runs/*/records-debezium.jsonl`).
@Suite struct DebeziumValuesTests {
    static let numeric103: Int32 = (10 << 16 | 3) + 4

    /// (PostgreSQL text, type OID, type modifier, Debezium's JSON text)
    static let fixtures: [(String, UInt32, Int32, String)] = [
        // numeric without a declared scale: VariableScaleDecimal
        ("12345.6789", PGTypeOID.numeric, -1, #"{"scale":4,"value":"B1vNFQ=="}"#),
        ("-0.5", PGTypeOID.numeric, -1, #"{"scale":1,"value":"+w=="}"#),
        ("0.00000000000000000001", PGTypeOID.numeric, -1, #"{"scale":20,"value":"AQ=="}"#),
        ("5", PGTypeOID.numeric, -1, #"{"scale":0,"value":"BQ=="}"#),
        ("0.000001", PGTypeOID.numeric, -1, #"{"scale":6,"value":"AQ=="}"#),
        // numeric(10,3): Decimal, base64 of the unscaled two's complement
        ("123.456", PGTypeOID.numeric, numeric103, #""AeJA""#),
        ("-9999999.999", PGTypeOID.numeric, numeric103, #""/av0HAE=""#),
        ("0.001", PGTypeOID.numeric, numeric103, #""AQ==""#),
        ("5.000", PGTypeOID.numeric, numeric103, #""E4g=""#),
        ("1.500", PGTypeOID.numeric, numeric103, #""Bdw=""#),
        // numeric(12,4) and (14,4) of the contract's energy table
        ("5.5000", PGTypeOID.numeric, (12 << 16 | 4) + 4, #""ANbY""#),
        ("11.2345", PGTypeOID.numeric, (14 << 16 | 4) + 4, #""AbbZ""#),
        // numeric(5,2) and (8,2) of irradiance
        ("45.25", PGTypeOID.numeric, (5 << 16 | 2) + 4, #""Ea0=""#),
        ("801.50", PGTypeOID.numeric, (8 << 16 | 2) + 4, #""ATkW""#),
        // floats: Java's Float/Double.toString
        ("1.5", PGTypeOID.float4, -1, "1.5"),
        ("-3.4e+38", PGTypeOID.float4, -1, "-3.4E38"),
        ("3.14159", PGTypeOID.float4, -1, "3.14159"),
        ("5", PGTypeOID.float4, -1, "5.0"),
        ("0.1", PGTypeOID.float4, -1, "0.1"),
        ("2.25", PGTypeOID.float8, -1, "2.25"),
        ("-1.7976931348623157e+308", PGTypeOID.float8, -1, "-1.7976931348623157E308"),
        ("2.718281828459045", PGTypeOID.float8, -1, "2.718281828459045"),
        ("5", PGTypeOID.float8, -1, "5.0"),
        ("0.1", PGTypeOID.float8, -1, "0.1"),
        // time: MicroTime
        ("13:45:30.123456", PGTypeOID.time, -1, "49530123456"),
        ("00:00:00", PGTypeOID.time, -1, "0"),
        ("23:59:59.999999", PGTypeOID.time, -1, "86399999999"),
        ("12:00:00", PGTypeOID.time, -1, "43200000000"),
        ("08:00:00.5", PGTypeOID.time, -1, "28800500000"),
        // timetz: ZonedTime in UTC
        ("13:45:30.5+03", PGTypeOID.timetz, -1, #""10:45:30.5Z""#),
        ("00:00:00+00", PGTypeOID.timetz, -1, #""00:00:00Z""#),
        ("23:59:59.999999-11:30", PGTypeOID.timetz, -1, #""11:29:59.999999Z""#),
        ("12:00:00+00", PGTypeOID.timetz, -1, #""12:00:00Z""#),
        ("08:00:00.000001+01", PGTypeOID.timetz, -1, #""07:00:00.000001Z""#),
        // timestamp: MicroTimestamp
        ("2024-03-01 13:45:30.123456", PGTypeOID.timestamp, -1, "1709300730123456"),
        ("1970-01-01 00:00:00", PGTypeOID.timestamp, -1, "0"),
        ("2999-12-31 23:59:59.999999", PGTypeOID.timestamp, -1, "32503679999999999"),
        ("2024-02-29 12:00:00", PGTypeOID.timestamp, -1, "1709208000000000"),
        ("2000-02-29 08:00:00.000001", PGTypeOID.timestamp, -1, "951811200000001"),
        // timestamptz: ZonedTimestamp, six fraction digits
        ("2024-03-01 13:45:30.38362+00", PGTypeOID.timestamptz, -1, #""2024-03-01T13:45:30.383620Z""#),
        ("1970-01-01 00:00:00+00", PGTypeOID.timestamptz, -1, #""1970-01-01T00:00:00.000000Z""#),
        ("1900-06-15 12:00:00.5+00", PGTypeOID.timestamptz, -1, #""1900-06-15T12:00:00.500000Z""#),
        ("2024-02-29 12:00:00+00", PGTypeOID.timestamptz, -1, #""2024-02-29T12:00:00.000000Z""#),
        ("2000-02-29 08:00:00.1+00", PGTypeOID.timestamptz, -1, #""2000-02-29T08:00:00.100000Z""#),
        // interval: MicroDuration
        ("P1Y2M3DT4H5M6.789S", PGTypeOID.interval, -1, "37091106789000"),
        ("P-1DT-1S", PGTypeOID.interval, -1, "-86401000000"),
        ("PT0S", PGTypeOID.interval, -1, "0"),
        ("PT5M", PGTypeOID.interval, -1, "300000000"),
        ("PT3H15M", PGTypeOID.interval, -1, "11700000000"),
        // date: days since the epoch
        ("2024-03-01", PGTypeOID.date, -1, "19783"),
        ("1970-01-01", PGTypeOID.date, -1, "0"),
        ("0001-01-01", PGTypeOID.date, -1, "-719162"),
        ("2024-02-29", PGTypeOID.date, -1, "19782"),
        ("2000-02-29", PGTypeOID.date, -1, "11016"),
        ("2024-01-01", PGTypeOID.date, -1, "19723"),
        // json and jsonb: a string holding the text
        (#"{"a": 1, "b": [1, 2]}"#, PGTypeOID.json, -1, #""{\"a\": 1, \"b\": [1, 2]}""#),
        ("null", PGTypeOID.json, -1, #""null""#),
        (#"{"n": 1.50, "updated": true}"#, PGTypeOID.jsonb, -1, #""{\"n\": 1.50, \"updated\": true}""#),
        (#""string""#, PGTypeOID.jsonb, -1, #""\"string\"""#),
        // bytea, arrays, char
        (#"\x000102ff"#, PGTypeOID.bytea, -1, #""AAEC/w==""#),
        (#"\x"#, PGTypeOID.bytea, -1, #""""#),
        ("{1,2,3}", PGTypeOID.int4Array, -1, "[1,2,3]"),
        (#"{x,"y z",NULL}"#, PGTypeOID.textArray, -1, #"["x","y z",null]"#),
        (#"{"a,b","c\"d"}"#, PGTypeOID.textArray, -1, #"["a,b","c\"d"]"#),
        ("{{1,2},{3,4}}", PGTypeOID.int4Array, -1, "[null,null]"),
        ("{{5}}", PGTypeOID.int4Array, -1, "[null]"),
        ("{}", PGTypeOID.int4Array, -1, "[]"),
        ("ab   ", PGTypeOID.bpchar, 9, #""ab   ""#),
        ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", PGTypeOID.uuid, -1, #""a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11""#),
        ("t", PGTypeOID.bool, -1, "true"),
        ("-9223372036854775808", PGTypeOID.int8, -1, "-9223372036854775808"),
    ]

    @Test(arguments: fixtures)
    func encodesAsDebeziumPrinted(_ text: String, _ oid: UInt32, _ typmod: Int32, _ expected: String) {
        let value = DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod)
        #expect(value.description == expected, "\(text) as \(oid)(\(typmod))")
    }

    @Test func anEnumIsItsText() {
        #expect(DebeziumValues.convert("happy", typeOID: 16_400, isEnum: true) == .string("happy"))
    }

    @Test func nameHasNoConverterInDebezium() {
        #expect(DebeziumValues.convert("x", typeOID: PGTypeOID.name) == .null)
    }

    @Test func arrayTypesWithoutASchemaAreLeftOut() {
        #expect(!DebeziumValues.isIncluded(typeOID: PGTypeOID.intervalArray))
        #expect(!DebeziumValues.isIncluded(typeOID: PGTypeOID.nameArray))
        #expect(DebeziumValues.isIncluded(typeOID: PGTypeOID.int4Array))
        #expect(DebeziumValues.isIncluded(typeOID: PGTypeOID.numeric))
    }

    @Test func specialNumericValuesHaveNoPreciseForm() {
        #expect(DebeziumValues.convert("NaN", typeOID: PGTypeOID.numeric, typeModifier: -1) == .null)
        #expect(DebeziumValues.convert("Infinity", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric103) == .null)
    }

    @Test func specialFloatValuesAreStrings() {
        #expect(DebeziumValues.convert("NaN", typeOID: PGTypeOID.float8) == .string("NaN"))
        #expect(DebeziumValues.convert("-Infinity", typeOID: PGTypeOID.float4) == .string("-Infinity"))
    }
}

/// What Debezium 3.6.3 wrote for the NOT NULL columns of a delete's `before` on tables without
/// `REPLICA IDENTITY FULL` (contract tables `energy` and `energy_compensate`).
@Suite struct DebeziumAbsentValueTests {
    @Test func notNullColumnsWithoutDefaultGetTheirTypesZero() {
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "device_id", typeOID: PGTypeOID.int8, optional: false)) == .integer(0))
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "measured_at", typeOID: PGTypeOID.timestamptz, optional: false))
                == .string("1970-01-01T00:00:00Z"))
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "energy_kwh", typeOID: PGTypeOID.numeric,
                                                              typeModifier: (14 << 16 | 4) + 4, optional: false)) == .string("AA=="))
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "reference_month", typeOID: PGTypeOID.date, optional: false)) == .integer(0))
    }

    @Test func aFunctionDefaultGivesThePlaceholderThroughTheConverter() {
        let updatedAt = DebeziumColumn(name: "updated_at", typeOID: PGTypeOID.timestamptz, optional: false, defaultExpression: "now()")
        #expect(DebeziumValues.absentValue(for: updatedAt) == .string("1970-01-01T00:00:00.000000Z"))
        let id = DebeziumColumn(name: "id", typeOID: PGTypeOID.int4, optional: false, defaultExpression: "nextval('t_id_seq'::regclass)")
        #expect(DebeziumValues.absentValue(for: id) == .integer(0))
    }

    @Test func aLiteralDefaultIsRead() {
        let status = DebeziumColumn(name: "status", typeOID: PGTypeOID.text, optional: false, defaultExpression: "'active'::text")
        #expect(DebeziumValues.absentValue(for: status) == .string("active"))
        let quoted = DebeziumColumn(name: "s", typeOID: PGTypeOID.varchar, optional: false, defaultExpression: "'it''s'::character varying")
        #expect(DebeziumValues.absentValue(for: quoted) == .string("it's"))
        let count = DebeziumColumn(name: "n", typeOID: PGTypeOID.int4, optional: false, defaultExpression: "'-1'::integer")
        #expect(DebeziumValues.absentValue(for: count) == .integer(-1))
        let flag = DebeziumColumn(name: "f", typeOID: PGTypeOID.bool, optional: false, defaultExpression: "true")
        #expect(DebeziumValues.absentValue(for: flag) == .bool(true))
        let amount = DebeziumColumn(name: "a", typeOID: PGTypeOID.numeric, typeModifier: (10 << 16 | 3) + 4, optional: false,
                                    defaultExpression: "1.5")
        #expect(DebeziumValues.absentValue(for: amount) == .string("Bdw="))
        let mood = DebeziumColumn(name: "m", typeOID: 16_400, optional: false, defaultExpression: "'ok'::mood", isEnum: true)
        #expect(DebeziumValues.absentValue(for: mood) == .string("ok"))
        let day = DebeziumColumn(name: "d", typeOID: PGTypeOID.date, optional: false, defaultExpression: "CURRENT_DATE")
        #expect(DebeziumValues.absentValue(for: day) == .integer(0))
    }

    /// numeric NOT NULL DEFAULT 1.50 (no declared scale): its default would be a struct, which
    /// Kafka Connect refuses as a default; Debezium 3.6.3 wrote the zero.
    @Test func aVariableScaleDefaultIsNotUsed() {
        let column = DebeziumColumn(name: "n_numv", typeOID: PGTypeOID.numeric, optional: false, defaultExpression: "1.50")
        #expect(DebeziumValues.absentValue(for: column)?.description == #"{"scale":0,"value":"AA=="}"#)
    }

    @Test func anOptionalColumnStaysNull() {
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "power_kw", typeOID: PGTypeOID.numeric, optional: true)) == nil)
    }

    @Test func typesWithoutADefaultReaderUseTheZero() {
        let bytes = DebeziumColumn(name: "b", typeOID: PGTypeOID.bytea, optional: false, defaultExpression: "'\\x00'::bytea")
        #expect(DebeziumValues.absentValue(for: bytes) == .string(""))
        let clock = DebeziumColumn(name: "t", typeOID: PGTypeOID.timetz, optional: false, defaultExpression: "'12:00+00'::time with time zone")
        #expect(DebeziumValues.absentValue(for: clock) == .string("00:00:00Z"))
        #expect(DebeziumValues.absentValue(for: DebeziumColumn(name: "a", typeOID: PGTypeOID.int4Array, optional: false)) == .array([]))
    }
}
