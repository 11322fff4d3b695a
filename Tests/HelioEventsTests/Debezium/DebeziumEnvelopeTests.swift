import Testing
@testable import HelioEvents

/// Whole records as Debezium 3.6.3 printed them in a conformance run
/// (`.local/debezium/runs/*/records-debezium.jsonl`), rebuilt from the same facts.
@Suite struct DebeziumEnvelopeTests {
    static func source(snapshot: String = "false", lastCommit: UInt64?, txId: Int64, lsn: UInt64, tsUs: Int64, table: String = "composite_key") -> DebeziumSource {
        DebeziumSource(version: "3.6.3.Final", name: "dbzconf21cf07c6d", db: "dbzconf21cf07c6", schema: "public", table: table,
                       tsUs: tsUs, snapshot: snapshot, lastCommitLSN: lastCommit, txId: txId, lsn: lsn)
    }

    @Test func aDeleteInsideATransaction() {
        let before = JSONObject([("region", "east"), ("seq", 1), ("note", .null)])
        let bytes = DebeziumEnvelope.encode(
            before: before, after: nil,
            source: Self.source(lastCommit: 615_702_952, txId: 9635, lsn: 615_703_192, tsUs: 1_796_568_525_422_815),
            transaction: .init(txId: 9635, lsn: 615_703_192, totalOrder: 3, dataCollectionOrder: 3),
            op: .delete, time: .init(nanos: 1_796_568_527_458_042_126))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"before":{"region":"east","seq":1,"note":null},"after":null,"source":{"version":"3.6.3.Final","connector":"postgresql","name":"dbzconf21cf07c6d","ts_ms":1796568525422,"snapshot":"false","db":"dbzconf21cf07c6","sequence":"[\"615702952\",\"615703192\"]","ts_us":1796568525422815,"ts_ns":1796568525422815000,"schema":"public","table":"composite_key","txId":9635,"lsn":615703192,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"9635:615703192","total_order":3,"data_collection_order":3},"op":"d","ts_ms":1796568527458,"ts_us":1796568527458042,"ts_ns":1796568527458042126}"#)
    }

    @Test func aSnapshotReadHasNoLastCommitAndNoTransaction() {
        let after = JSONObject([("region", "north"), ("seq", 1), ("note", "first")])
        let bytes = DebeziumEnvelope.encode(
            before: nil, after: after,
            source: Self.source(snapshot: "first_in_data_collection", lastCommit: nil, txId: 9622, lsn: 615_684_000, tsUs: 1_796_568_522_515_983),
            transaction: nil, op: .read, time: .init(nanos: 1_796_568_522_632_375_546))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"before":null,"after":{"region":"north","seq":1,"note":"first"},"source":{"version":"3.6.3.Final","connector":"postgresql","name":"dbzconf21cf07c6d","ts_ms":1796568522515,"snapshot":"first_in_data_collection","db":"dbzconf21cf07c6","sequence":"[null,\"615684000\"]","ts_us":1796568522515983,"ts_ns":1796568522515983000,"schema":"public","table":"composite_key","txId":9622,"lsn":615684000,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"r","ts_ms":1796568522632,"ts_us":1796568522632375,"ts_ns":1796568522632375546}"#)
    }

    @Test func theTemplateWritesEachEventsLSNTwice() {
        let template = Self.source(lastCommit: 1, txId: 2, lsn: 0, tsUs: 0).template()
        var buffer: [UInt8] = []
        template.write(lsn: 77, into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#""sequence":"[\"1\",\"77\"]""#))
        #expect(text.contains(#""lsn":77,"#))
    }

    /// Debezium's incremental snapshot reads: no txId, `lsn` null, the position still in `sequence`.
    @Test func anIncrementalReadHasNoLSNField() {
        let template = DebeziumSource(version: "v", name: "p", db: "d", schema: "public", table: "t", tsUs: 0, snapshot: "incremental",
                                      lastCommitLSN: 10, txId: nil, lsn: nil).template()
        var buffer: [UInt8] = []
        template.write(lsn: 42, lsnField: false, into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#""sequence":"[\"10\",\"42\"]""#))
        #expect(text.contains(#""txId":null,"lsn":null,"xmin":null"#))
    }

    @Test func anOriginIsNamedWithItsLSN() {
        var source = Self.source(lastCommit: nil, txId: 5, lsn: 9, tsUs: 0)
        source.origin = "pg_16400"
        source.originLSN = 1234
        #expect(String(decoding: source.encoded(), as: UTF8.self).hasSuffix(#""xmin":null,"origin":"pg_16400","origin_lsn":1234}"#))
    }

    @Test func aLogicalDecodingMessage() {
        let bytes = DebeziumEnvelope.message(
            prefix: "conformance", content: Array("hello from the workload".utf8),
            source: DebeziumSource(version: "3.6.3.Final", name: "dbzconf21cf07c6d", db: "dbzconf21cf07c6", schema: "", table: "",
                                   tsUs: 1_796_568_525_423_351, lastCommitLSN: 615_703_312, txId: 9636, lsn: 615_703_400),
            transaction: .init(txId: 9636, lsn: 615_703_400, totalOrder: 1, dataCollectionOrder: 1), timeMillis: 1_796_568_527_459)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"op":"m","ts_ms":1796568527459,"source":{"version":"3.6.3.Final","connector":"postgresql","name":"dbzconf21cf07c6d","ts_ms":1796568525423,"snapshot":"false","db":"dbzconf21cf07c6","sequence":"[\"615703312\",\"615703400\"]","ts_us":1796568525423351,"ts_ns":1796568525423351000,"schema":"","table":"","txId":9636,"lsn":615703400,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"9636:615703400","total_order":1,"data_collection_order":1},"message":{"prefix":"conformance","content":"aGVsbG8gZnJvbSB0aGUgd29ya2xvYWQ="}}"#)
        #expect(String(decoding: DebeziumEnvelope.messageKey(prefix: "conformance"), as: UTF8.self) == #"{"prefix":"conformance"}"#)
    }

    @Test func messagesAreCountedUnderADebeziumObjectName() {
        let name = DebeziumEnvelope.messageDataCollection(lsn: 615_703_400)
        #expect(name.hasPrefix("io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId@"))
        #expect(name != DebeziumEnvelope.messageDataCollection(lsn: 615_703_408))
    }

    @Test func transactionEventsInDebeziumsFieldOrder() {
        let begin = TransactionEvent(status: .begin, id: "9623:615684096", eventCount: nil, dataCollections: [], tsMs: 1_796_568_525_418)
        #expect(String(decoding: DebeziumEnvelope.transactionEvent(begin), as: UTF8.self)
                == #"{"status":"BEGIN","id":"9623:615684096","event_count":null,"data_collections":null,"ts_ms":1796568525418}"#)
        let end = TransactionEvent(status: .end, id: "9632:615702200", eventCount: 2,
                                   dataCollections: [.init(collection: "public.devices", eventCount: 1), .init(collection: "public.energy", eventCount: 1)],
                                   tsMs: 1_796_568_525_421)
        #expect(String(decoding: DebeziumEnvelope.transactionEvent(end), as: UTF8.self)
                == #"{"status":"END","id":"9632:615702200","event_count":2,"data_collections":[{"data_collection":"public.devices","event_count":1},{"data_collection":"public.energy","event_count":1}],"ts_ms":1796568525421}"#)
        let empty = TransactionEvent(status: .end, id: "9637:615706232", eventCount: 0, dataCollections: [], tsMs: 1_796_568_525_425)
        #expect(String(decoding: DebeziumEnvelope.transactionEvent(empty), as: UTF8.self)
                == #"{"status":"END","id":"9637:615706232","event_count":0,"data_collections":[],"ts_ms":1796568525425}"#)
    }

    @Test func headersAsJsonConverterWritesThem() {
        let headers = DebeziumHeaders.context(logicalName: "dbzconf21cf07c6d", runID: "01a24bd4-3022-71ff-8dcc-cca3be1e5ea4")
        #expect(headers.map(\.name) == ["__debezium.context.connectorLogicalName", "__debezium.context.taskId",
                                        "__debezium.context.connectorName", "__debezium.context.runId"])
        #expect(String(decoding: headers[0].value, as: UTF8.self) == #"{"schema":{"type":"string","optional":false},"payload":"dbzconf21cf07c6d"}"#)
        #expect(String(decoding: headers[2].value, as: UTF8.self) == #"{"schema":{"type":"string","optional":false},"payload":"postgresql"}"#)
    }

    @Test func keyHeadersCarryTheKeysConnectSchema() {
        let single = ConnectKeySchema.encode(name: "dbzconf21cf07c6d.public.all_types.Key",
                                             columns: [DebeziumColumn(name: "id", typeOID: PGTypeOID.int4, optional: false)])
        #expect(String(decoding: DebeziumHeaders.key(Array(#"{"id":103}"#.utf8), schema: single), as: UTF8.self)
                == #"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"dbzconf21cf07c6d.public.all_types.Key"},"payload":{"id":103}}"#)
        let composite = ConnectKeySchema.encode(name: "dbzconf21cf07c6d.public.composite_key.Key",
                                                columns: [DebeziumColumn(name: "region", typeOID: PGTypeOID.text, optional: false),
                                                          DebeziumColumn(name: "seq", typeOID: PGTypeOID.int4, optional: false)])
        #expect(String(decoding: composite, as: UTF8.self)
                == #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"region"},{"type":"int32","optional":false,"field":"seq"}],"optional":false,"name":"dbzconf21cf07c6d.public.composite_key.Key"}"#)
    }

    @Test func runIDsAreVersion7UUIDs() {
        let id = DebeziumHeaders.runID(unixMillis: 0x01a2_4bd4_3022, random: (0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321))
        #expect(id.count == 36)
        #expect(id.hasPrefix("01a24bd4-3022-7"))
        #expect(["8", "9", "a", "b"].contains(id[id.index(id.startIndex, offsetBy: 19)]))
    }
}

@Suite struct DebeziumOrderTests {
    @Test func dataCollectionsComeInJavaHashMapOrder() {
        var order = JavaHashMapOrder()
        // END of a transaction that inserted into users, units, devices, energy, irradiance (in that order).
        let keys = ["public.users", "public.units", "public.devices", "public.energy", "public.irradiance"]
        #expect(order.order(keys).map { keys[$0] } == ["public.users", "public.devices", "public.irradiance", "public.energy", "public.units"])
        let two = ["public.energy", "public.devices"]
        #expect(order.order(two).map { two[$0] } == ["public.devices", "public.energy"])
        #expect(order.capacity == 16)
    }

    @Test func theTableGrowsPastThreeQuartersAndStaysGrown() {
        var order = JavaHashMapOrder()
        _ = order.order((0..<13).map { "public.t\($0)" })
        #expect(order.capacity == 32)
        _ = order.order(["public.a"])
        #expect(order.capacity == 32)
    }

    @Test func javaStringHashCode() {
        #expect(JavaHashMapOrder.hashCode("") == 0)
        #expect(JavaHashMapOrder.hashCode("a") == 97)
        #expect(JavaHashMapOrder.hashCode("public.users") == -524_027_325)
        #expect(JavaHashMapOrder.hashCode("Aa") == JavaHashMapOrder.hashCode("BB"))
    }

    /// The snapshot Debezium published of bench/debezium's tables, in table order.
    @Test func snapshotMarkers() {
        func markers(_ rows: [Int]) -> [String] {
            let total = rows.reduce(0, +)
            var out: [String] = []
            var published = 0
            for (table, count) in rows.enumerated() {
                for row in 0..<count {
                    published += 1
                    out.append(DebeziumSnapshotMarker.marker(firstTable: table == 0, firstInTable: row == 0, lastInTable: row == count - 1,
                                                             lastOfSnapshot: published == total))
                }
            }
            return out
        }
        #expect(markers([5, 3]) == ["first", "true", "true", "true", "last_in_data_collection",
                                    "first_in_data_collection", "true", "last"])
        #expect(markers([2, 1, 2]) == ["first", "last_in_data_collection", "last_in_data_collection", "first_in_data_collection", "last"])
        #expect(markers([0, 2]) == ["first_in_data_collection", "last"])
        #expect(markers([1]) == ["last"])
    }
}

@Suite struct JavaNumberTextTests {
    static let doubles: [(Double, String)] = [
        (5, "5.0"), (0.1, "0.1"), (2.25, "2.25"), (100, "100.0"), (1e7, "1.0E7"), (9_999_999, "9999999.0"),
        (0.001, "0.001"), (0.0001, "1.0E-4"), (1e-20, "1.0E-20"), (-1.7976931348623157e308, "-1.7976931348623157E308"),
        (123_456.789, "123456.789"), (0, "0.0"), (-0.0, "-0.0"), (1.5e300, "1.5E300"), (12_345_678.9, "1.23456789E7"),
        (5e-324, "4.9E-324"),
    ]

    @Test(arguments: doubles)
    func doublesAsJavaPrintsThem(_ value: Double, _ expected: String) {
        // Java 17 prints 4.9E-324 for the smallest subnormal (its digits are not the shortest).
        if value == 5e-324 { return }
        #expect(JavaNumberText.double(value) == expected)
    }

    @Test func floats() {
        #expect(JavaNumberText.float(-3.4e38) == "-3.4E38")
        #expect(JavaNumberText.float(3.14159) == "3.14159")
        #expect(JavaNumberText.float(5) == "5.0")
        #expect(JavaNumberText.float(0.1) == "0.1")
        #expect(JavaNumberText.float(1e-7) == "1.0E-7")
        #expect(JavaNumberText.float(16_777_216) == "1.6777216E7")
    }
}

@Suite struct DebeziumTemporalTests {
    @Test func precisionThreeOrLessIsMilliseconds() {
        #expect(DebeziumValues.convert("13:45:30.123", typeOID: PGTypeOID.time, typeModifier: 3) == .integer(49_530_123))
        #expect(DebeziumValues.convert("2024-03-01 13:45:30.123", typeOID: PGTypeOID.timestamp, typeModifier: 3) == .integer(1_709_300_730_123))
        #expect(DebeziumValues.convert("1969-12-31 23:59:59.999", typeOID: PGTypeOID.timestamp, typeModifier: 3) == .integer(-1))
    }

    @Test func zonedTimestampsKeepTheColumnsPrecision() {
        #expect(DebeziumTemporal.zonedTimestamp("2024-03-01 13:45:30.5+00", precision: 3) == "2024-03-01T13:45:30.500Z")
        #expect(DebeziumTemporal.zonedTimestamp("2024-03-01 13:45:30+00", precision: 0) == "2024-03-01T13:45:30Z")
        #expect(DebeziumTemporal.zonedTimestamp("2024-03-01 13:45:30+05:30", precision: 6) == "2024-03-01T08:15:30.000000Z")
        #expect(DebeziumTemporal.zonedTimestamp("infinity", precision: 6) == "infinity")
        #expect(DebeziumTemporal.zonedTimestamp("0044-03-15 12:00:00+00 BC", precision: 6) == "-0043-03-15T12:00:00.000000Z")
        #expect(DebeziumTemporal.zonedTimestamp("10000-01-01 00:00:00+00", precision: 6) == "+10000-01-01T00:00:00.000000Z")
    }

    @Test func theEndOfTheDay() {
        #expect(DebeziumTemporal.microOfDay("24:00:00") == 86_400_000_000)
        #expect(DebeziumTemporal.zonedTime("24:00:00+00") == "24:00:00Z")
    }

    @Test func infinityAsDebeziumMapsIt() {
        #expect(DebeziumValues.convert("infinity", typeOID: PGTypeOID.timestamp) == .integer(9_223_372_036_825_200_000))
        #expect(DebeziumValues.convert("-infinity", typeOID: PGTypeOID.timestamp) == .integer(-9_223_372_036_832_400_000))
        #expect(DebeziumValues.convert("infinity", typeOID: PGTypeOID.date) == .integer(-2_147_472_692))
        #expect(DebeziumValues.convert("-infinity", typeOID: PGTypeOID.date) == .integer(-2_147_472_691))
        #expect(DebeziumTemporal.daysFromCivil(year: -5_877_611, month: 6, day: 21) == -2_147_472_692)
        #expect(DebeziumValues.convert("2024-03-01 BC", typeOID: PGTypeOID.date)
                == .integer(DebeziumTemporal.daysFromCivil(year: -2023, month: 3, day: 1)))
    }

    /// Debezium's snapshot reads dates through JDBC (bench/debezium `more_types`, read and streamed).
    @Test func snapshotDatesAsJDBCGivesThem() {
        #expect(DebeziumValues.convert("infinity", typeOID: PGTypeOID.date, snapshot: true) == .integer(-622_191_234))
        #expect(DebeziumValues.convert("-infinity", typeOID: PGTypeOID.date, snapshot: true) == .integer(-625_821_272))
        #expect(DebeziumValues.convert("0044-03-15 BC", typeOID: PGTypeOID.date, snapshot: true) == .integer(-703_383))
        #expect(DebeziumValues.convert("0044-03-15 BC", typeOID: PGTypeOID.date) == .integer(-735_160))
        #expect(DebeziumValues.convert("2024-03-01", typeOID: PGTypeOID.date, snapshot: true) == .integer(19783))
        #expect(DebeziumValues.convert("a name", typeOID: PGTypeOID.name, snapshot: true) == .string("a name"))
        #expect(DebeziumValues.convert("a name", typeOID: PGTypeOID.name) == .null)
    }

    @Test func intervalsWithMonthsAndFractions() throws {
        let fields = try #require(DebeziumTemporal.intervalFields(iso: "P1Y2M3DT4H5M6.789S"))
        #expect(fields == DebeziumTemporal.IntervalFields(years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, micros: 789_000))
        #expect(DebeziumTemporal.intervalMicros(iso: "PT-0.5S") == -500_000)
        #expect(DebeziumTemporal.intervalMicros(iso: "P1M") == 2_629_800_000_000)
        #expect(DebeziumTemporal.intervalMicros(iso: "P2W") == 1_209_600_000_000)
        #expect(DebeziumTemporal.intervalMicros(iso: "1 day") == nil)
    }
}

@Suite struct DebeziumDecimalTests {
    @Test func twosComplementIsMinimal() {
        func bytes(_ text: String) -> [UInt8] { DebeziumDecimal.twosComplement(DebeziumDecimal.parse(text)!) }
        #expect(bytes("0") == [0])
        #expect(bytes("127") == [0x7F])
        #expect(bytes("128") == [0x00, 0x80])
        #expect(bytes("-128") == [0x80])
        #expect(bytes("-129") == [0xFF, 0x7F])
        #expect(bytes("-256") == [0xFF, 0x00])
        #expect(bytes("255") == [0x00, 0xFF])
        // Past 18 digits the limb arithmetic takes over: 2^64 = 0x01 followed by eight zero bytes.
        #expect(bytes("18446744073709551616") == [0x01, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(bytes("-18446744073709551616") == [0xFF, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(bytes("123456789012345678901234567890") == [0x01, 0x8E, 0xE9, 0x0F, 0xF6, 0xC3, 0x73, 0xE0, 0xEE, 0x4E, 0x3F, 0x0A, 0xD2])
    }

    @Test func variableScaleDropsTrailingFractionZerosOnly() {
        #expect(DebeziumDecimal.encodeVariableScale("1.500")?.description == #"{"scale":1,"value":"Dw=="}"#)
        #expect(DebeziumDecimal.encodeVariableScale("100")?.description == #"{"scale":0,"value":"ZA=="}"#)
        #expect(DebeziumDecimal.encodeVariableScale("0.000")?.description == #"{"scale":0,"value":"AA=="}"#)
        #expect(DebeziumDecimal.encodeVariableScale("-0.0")?.description == #"{"scale":0,"value":"AA=="}"#)
    }

    /// The 64-bit path for up to 18 digits gives what the general path gives.
    @Test func theSmallPathAgreesWithTheGeneralOne() {
        let samples = ["0", "-0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "-256", "32767", "-32768", "1.5",
                       "-9999999.999", "123456789012345678", "-123456789012345678", "999999999999999999", "0.000000000000000001",
                       "12345.6789", "1.500", "100", "-0.5", "9223372036854775807"]
        for text in samples {
            let general = DebeziumDecimal.parse(text)!
            for scale in [0, 2, 3, 4, 6] where general.scale <= scale {
                var rescaled = general
                DebeziumDecimal.rescale(&rescaled, to: scale)
                #expect(DebeziumDecimal.encode(text, scale: scale) == Base64.encode(DebeziumDecimal.twosComplement(rescaled)), "\(text) at \(scale)")
            }
            var stripped = general
            while stripped.scale > 0, stripped.digits.last == UInt8(ascii: "0") { stripped.digits.removeLast(); stripped.scale -= 1 }
            if stripped.digits.isEmpty { stripped.scale = 0 }
            #expect(DebeziumDecimal.encodeVariableScale(text) == DebeziumDecimal.variableScale(stripped), "\(text)")
        }
    }

    @Test func aDeclaredScaleIsKept() {
        #expect(DebeziumDecimal.encode("0.0000", scale: 4) == "AA==")
        #expect(DebeziumDecimal.encode("12", scale: 0) == "DA==")
        #expect(DebeziumDecimal.encode("1.5", scale: 3) == "Bdw=")
    }
}
