import Testing
@testable import HelioEvents

/// Debezium's non-default `decimal.handling.mode` and `time.precision.mode`. Fixtures: the
/// rows of bench/debezium's `all_types` and `more_types` and what Debezium 3.6.3 printed for
/// them in the conformance runs `--setting decimal.handling.mode=string --setting
/// time.precision.mode=connect` and `--setting decimal.handling.mode=double --setting
/// time.precision.mode=adaptive_time_microseconds`, and the default settings for arrays of
/// times (their `records-debezium.jsonl`, raw JSON text).
@Suite struct DebeziumModesTests {
    static func numeric(_ precision: Int32, _ scale: Int32) -> Int32 { (precision << 16 | scale) + 4 }
    static let string = DebeziumSettings(decimalHandling: .string)
    static let double = DebeziumSettings(decimalHandling: .double)
    static let connect = DebeziumSettings(timePrecision: .connect)
    static let microTime = DebeziumSettings(timePrecision: .adaptiveTimeMicroseconds)

    /// (PostgreSQL text, type modifier, decimal.handling.mode=string, decimal.handling.mode=double)
    static let numerics: [(String, Int32, String, String)] = [
        ("12345.6789", -1, #""12345.6789""#, "12345.6789"),
        ("-0.5", -1, #""-0.5""#, "-0.5"),
        ("0.00000000000000000001", -1, #""0.00000000000000000001""#, "1.0E-20"),
        ("0.000001", -1, #""0.000001""#, "1.0E-6"),
        ("5", -1, #""5""#, "5.0"),
        ("3.14", -1, #""3.14""#, "3.14"),
        ("123.456", numeric(10, 3), #""123.456""#, "123.456"),
        ("-9999999.999", numeric(10, 3), #""-9999999.999""#, "-9999999.999"),
        ("0.001", numeric(10, 3), #""0.001""#, "0.001"),
        ("5.000", numeric(10, 3), #""5.000""#, "5.0"),
        ("1.500", numeric(10, 3), #""1.500""#, "1.5"),
        ("1234567890", numeric(10, 0), #""1234567890""#, "1.23456789E9"),
        ("-1", numeric(10, 0), #""-1""#, "-1.0"),
        ("0", numeric(10, 0), #""0""#, "0.0"),
        ("42", numeric(10, 0), #""42""#, "42.0"),
        ("99999999.99", numeric(10, 2), #""99999999.99""#, "9.999999999E7"),
        ("12.50", numeric(10, 2), #""12.50""#, "12.5"),
        ("0.000", -1, #""0.000""#, "0.0"),
        ("{1.50,-2.25,NULL}", numeric(6, 2), #"["1.50","-2.25",null]"#, "[1.5,-2.25,null]"),
    ]

    @Test(arguments: numerics)
    func numericAsDebeziumPrintedIt(_ text: String, _ typmod: Int32, _ asString: String, _ asDouble: String) {
        let oid = text.hasPrefix("{") ? PGTypeOID.numericArray : PGTypeOID.numeric
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.string).description == asString)
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.double).description == asDouble)
    }

    /// bench/debezium's `special_numerics`, loaded for the string and double runs only
    /// (Debezium stops on them in its default precise mode): SpecialValueDecimal's names in
    /// string mode, Jackson's quoted non-numbers in double mode.
    @Test func specialNumericValues() {
        #expect(DebeziumValues.convert("NaN", typeOID: PGTypeOID.numeric, settings: Self.string) == .string("NAN"))
        #expect(DebeziumValues.convert("Infinity", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric(10, 3), settings: Self.string)
                == .string("POSITIVE_INFINITY"))
        #expect(DebeziumValues.convert("-Infinity", typeOID: PGTypeOID.numeric, settings: Self.string) == .string("NEGATIVE_INFINITY"))
        #expect(DebeziumValues.convert("NaN", typeOID: PGTypeOID.numeric, settings: Self.double) == .string("NaN"))
        #expect(DebeziumValues.convert("-Infinity", typeOID: PGTypeOID.numeric, settings: Self.double) == .string("-Infinity"))
    }

    /// (PostgreSQL text, type OID, type modifier, time.precision.mode=connect, adaptive_time_microseconds)
    static let temporals: [(String, UInt32, Int32, String, String)] = [
        ("13:45:30.123456", PGTypeOID.time, -1, "49530123", "49530123456"),
        ("23:59:59.999999", PGTypeOID.time, -1, "86399999", "86399999999"),
        ("08:00:00.5", PGTypeOID.time, -1, "28800500", "28800500000"),
        ("13:45:30.123", PGTypeOID.time, 3, "49530123", "49530123000"),
        ("24:00:00", PGTypeOID.time, 3, "86400000", "86400000000"),
        ("2024-03-01 13:45:30.123456", PGTypeOID.timestamp, -1, "1709300730123", "1709300730123456"),
        ("2999-12-31 23:59:59.999999", PGTypeOID.timestamp, -1, "32503679999999", "32503679999999999"),
        ("2000-02-29 08:00:00.000001", PGTypeOID.timestamp, -1, "951811200000", "951811200000001"),
        ("2024-03-01 13:45:30.123", PGTypeOID.timestamp, 3, "1709300730123", "1709300730123"),
        ("infinity", PGTypeOID.timestamp, -1, "9223372036825200", "9223372036825200000"),
        ("-infinity", PGTypeOID.timestamp, -1, "-9223372036832400", "-9223372036832400000"),
        ("2000-01-01 00:00:00", PGTypeOID.timestamp, -1, "946684800000", "946684800000000"),
        // Neither mode changes dates, timestamptz, timetz or intervals.
        ("2024-03-01", PGTypeOID.date, -1, "19783", "19783"),
        ("2024-03-01 13:45:30.38362+00", PGTypeOID.timestamptz, -1, #""2024-03-01T13:45:30.383620Z""#, #""2024-03-01T13:45:30.383620Z""#),
        ("13:45:30.5+03", PGTypeOID.timetz, -1, #""10:45:30.5Z""#, #""10:45:30.5Z""#),
        ("P1Y2M3DT4H5M6.789S", PGTypeOID.interval, -1, "37091106789000", "37091106789000"),
    ]

    @Test(arguments: temporals)
    func temporalAsDebeziumPrintedIt(_ text: String, _ oid: UInt32, _ typmod: Int32, _ connect: String, _ microTime: String) {
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.connect).description == connect)
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.microTime).description == microTime)
    }

    /// bench/debezium's `temporal_arrays`: Debezium reads array elements through JDBC, so a
    /// time keeps milliseconds (24:00:00 is 0), a timetz whole seconds in UTC, a timestamp
    /// before 1582-10-15 is a Julian date, a date is as a snapshot reads it. (text, element OID, type modifier, adaptive,
    /// connect, adaptive_time_microseconds)
    static let temporalArrays: [(String, UInt32, Int32, String, String, String)] = [
        ("{13:45:30.123456,00:00:00,NULL}", PGTypeOID.timeArray, -1,
         "[49530123000,0,null]", "[49530123,0,null]", "[49530123000,0,null]"),
        ("{23:59:59.999999}", PGTypeOID.timeArray, -1, "[86399999000]", "[86399999]", "[86399999000]"),
        ("{13:45:30.123,24:00:00}", PGTypeOID.timeArray, 3, "[49530123,0]", "[49530123,0]", "[49530123000,0]"),
        (#"{"2024-03-01 13:45:30.123456","1970-01-01 00:00:00",NULL}"#, PGTypeOID.timestampArray, -1,
         "[1709300730123456,0,null]", "[1709300730123,0,null]", "[1709300730123456,0,null]"),
        (#"{"1500-06-01 00:00:00","1582-10-15 00:00:00",infinity,-infinity}"#, PGTypeOID.timestampArray, -1,
         "[-14817859200000000,-12219292800000000,9223372036825200000,-9223372036832400000]",
         "[-14817859200000,-12219292800000,9223372036825200,-9223372036832400]",
         "[-14817859200000000,-12219292800000000,9223372036825200000,-9223372036832400000]"),
        (#"{"0044-03-15 12:00:00 BC"}"#, PGTypeOID.timestampArray, 3, "[-63517953600000]", "[-63517953600000]", "[-63517953600000]"),
        ("{13:45:30.5+03,00:00:00+00,NULL}", PGTypeOID.timetzArray, -1,
         #"["10:45:30Z","00:00:00Z",null]"#, #"["10:45:30Z","00:00:00Z",null]"#, #"["10:45:30Z","00:00:00Z",null]"#),
        ("{23:59:59.999999-11:30,08:00:00.000001+01,24:00:00+00}", PGTypeOID.timetzArray, -1,
         #"["11:29:59Z","07:00:00Z","00:00:00Z"]"#, #"["11:29:59Z","07:00:00Z","00:00:00Z"]"#, #"["11:29:59Z","07:00:00Z","00:00:00Z"]"#),
        (#"{1500-06-01,"0044-03-15 BC",infinity,-infinity}"#, PGTypeOID.dateArray, -1,
         "[-171513,-703383,-622191234,-625821272]", "[-171513,-703383,-622191234,-625821272]", "[-171513,-703383,-622191234,-625821272]"),
    ]

    @Test(arguments: temporalArrays)
    func temporalArrayAsDebeziumPrintedIt(_ text: String, _ oid: UInt32, _ typmod: Int32, _ adaptive: String, _ connect: String,
                                          _ microTime: String) {
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod).description == adaptive)
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.connect).description == connect)
        #expect(DebeziumValues.convert(text, typeOID: oid, typeModifier: typmod, settings: Self.microTime).description == microTime)
    }

    /// bench/debezium's `special_numerics` (string and double runs): the JDBC driver cannot read
    /// NaN or ±Infinity in a numeric array, and Debezium writes null for the whole array.
    @Test func aNumericArrayWithASpecialValueIsNull() {
        for settings in [Self.string, Self.double, DebeziumSettings.defaults] {
            #expect(DebeziumValues.convert("{NaN,1.5}", typeOID: PGTypeOID.numericArray, settings: settings) == .null)
            #expect(DebeziumValues.convert("{Infinity,-Infinity}", typeOID: PGTypeOID.numericArray, settings: settings) == .null)
        }
        #expect(DebeziumValues.convert("{0.001}", typeOID: PGTypeOID.numericArray, settings: Self.double).description == "[0.001]")
        #expect(DebeziumValues.convert("{0.001}", typeOID: PGTypeOID.numericArray, settings: Self.string).description == #"["0.001"]"#)
    }

    /// A delete's `before` on `more_types` (default replica identity): NOT NULL columns get
    /// their default, through the column's converter, or their type's zero. Unlike precise
    /// mode, a numeric without a declared scale has its default (a string or a double is a
    /// valid Kafka Connect default; a struct is not).
    @Test func absentValuesFollowTheModes() {
        let numNum = DebeziumColumn(name: "n_num", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric(8, 3), optional: false, defaultExpression: "2.5")
        let numV = DebeziumColumn(name: "n_numv", typeOID: PGTypeOID.numeric, optional: false, defaultExpression: "1.50")
        let plain = DebeziumColumn(name: "n_numv_plain", typeOID: PGTypeOID.numeric, optional: false)
        let scaled = DebeziumColumn(name: "a", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric(14, 4), optional: false)
        #expect(DebeziumValues.absentValue(for: numNum, settings: Self.string) == .string("2.500"))
        #expect(DebeziumValues.absentValue(for: numV, settings: Self.string) == .string("1.50"))
        #expect(DebeziumValues.absentValue(for: plain, settings: Self.string) == .string("0"))
        #expect(DebeziumValues.absentValue(for: scaled, settings: Self.string) == .string("0.0000"))
        #expect(DebeziumValues.absentValue(for: numNum, settings: Self.double) == .number("2.5"))
        #expect(DebeziumValues.absentValue(for: numV, settings: Self.double) == .number("1.5"))
        #expect(DebeziumValues.absentValue(for: plain, settings: Self.double) == .number("0.0"))
        let now = DebeziumColumn(name: "n_ts", typeOID: PGTypeOID.timestamp, optional: false, defaultExpression: "now()")
        #expect(DebeziumValues.absentValue(for: now, settings: Self.connect) == .integer(0))
        let noon = DebeziumColumn(name: "t", typeOID: PGTypeOID.time, optional: false, defaultExpression: "'12:00:00.123456'::time without time zone")
        #expect(DebeziumValues.absentValue(for: noon, settings: Self.connect) == .integer(43_200_123))
        #expect(DebeziumValues.absentValue(for: noon, settings: Self.microTime) == .integer(43_200_123_456))
    }

    /// bench/debezium's `key_types` (debezium-form runs): the `__debezium.newkey` header's
    /// schema of a key of numeric, variable numeric, timestamp, time(3) and date columns, as
    /// Debezium 3.6.3 printed it under each setting.
    @Test func keySchemasFollowTheModes() {
        let columns = [DebeziumColumn(name: "k_num", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric(10, 2), optional: false),
                       DebeziumColumn(name: "k_numv", typeOID: PGTypeOID.numeric, optional: false),
                       DebeziumColumn(name: "k_ts", typeOID: PGTypeOID.timestamp, optional: false),
                       DebeziumColumn(name: "k_time", typeOID: PGTypeOID.time, typeModifier: 3, optional: false),
                       DebeziumColumn(name: "k_date", typeOID: PGTypeOID.date, optional: false)]
        func schema(_ settings: DebeziumSettings) -> String {
            String(decoding: ConnectKeySchema.encode(name: "p.public.key_types.Key", columns: columns, settings: settings), as: UTF8.self)
        }
        #expect(schema(.defaults) == #"{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"k_num"},{"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],"optional":false,"name":"io.debezium.data.VariableScaleDecimal","version":1,"doc":"Variable scaled decimal","field":"k_numv"},{"type":"int64","optional":false,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"k_ts"},{"type":"int32","optional":false,"name":"io.debezium.time.Time","version":1,"field":"k_time"},{"type":"int32","optional":false,"name":"io.debezium.time.Date","version":1,"field":"k_date"}],"optional":false,"name":"p.public.key_types.Key"}"#)
        #expect(schema(DebeziumSettings(decimalHandling: .string, timePrecision: .connect)) == #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"k_num"},{"type":"string","optional":false,"field":"k_numv"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"k_ts"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"k_time"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"k_date"}],"optional":false,"name":"p.public.key_types.Key"}"#)
        #expect(schema(DebeziumSettings(decimalHandling: .double, timePrecision: .adaptiveTimeMicroseconds)) == #"{"type":"struct","fields":[{"type":"double","optional":false,"field":"k_num"},{"type":"double","optional":false,"field":"k_numv"},{"type":"int64","optional":false,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"k_ts"},{"type":"int64","optional":false,"name":"io.debezium.time.MicroTime","version":1,"field":"k_time"},{"type":"int32","optional":false,"name":"io.debezium.time.Date","version":1,"field":"k_date"}],"optional":false,"name":"p.public.key_types.Key"}"#)
    }

    @Test func theDefaultsAreDebeziumsDefaults() {
        #expect(DebeziumSettings.defaults == DebeziumSettings(decimalHandling: .precise, timePrecision: .adaptive))
        #expect(DebeziumValues.convert("123.456", typeOID: PGTypeOID.numeric, typeModifier: Self.numeric(10, 3)) == .string("AeJA"))
        #expect(DebeziumValues.convert("13:45:30.123", typeOID: PGTypeOID.time, typeModifier: 3) == .integer(49_530_123))
    }
}
