import Foundation
import HelioCapture
import HelioEvents
import HelioKafka
import HelioOps
import HelioTestSupport
import Testing

/// `capture.compatibility: debezium` on the local stack: the records' structure (what `make
/// conformance` compares with Debezium itself, field by field, outside `make test`).
@Suite("Capture in Debezium's form on the local stack", .serialized)
struct DebeziumFormTests {
    static func json(_ bytes: [UInt8]?) throws -> JSONObject {
        try #require(try bytes.flatMap { try JSONValue.parse($0).objectValue })
    }

    @Test("snapshot markers without BEGIN/END, Debezium's values, key changes as delete + tombstone + create, no truncate events, messages on <prefix>.message, Debezium's transaction ids")
    func debeziumRecords() throws {
        let env = try TestEnvironment("dbzform")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("CREATE TABLE public.pk_change (id integer PRIMARY KEY, note text NOT NULL DEFAULT 'none', amount numeric(8,2))")
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('Ana', 'ana@example.com'), ('Bia', 'bia@example.com');
            INSERT INTO pk_change VALUES (1, 'one', 1.50);
            """)
        var config = env.configuration()
        config.compatibility = .debezium
        config.tables.append("public.pk_change")
        config.heartbeatIntervalSeconds = 0
        config.decodingWorkMem = "64kB"
        let capture = RunningCapture(env, config: config)
        defer { _ = try? capture.finish() }
        try env.waitForSlot()

        try source.execute("BEGIN")
        try source.execute("INSERT INTO units (user_id, name, installed_power_kwp) VALUES (1, 'Casa', 5.500)")
        try source.execute("INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'INV-1', 'inverter')")
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-15 12:00:00-03', 1.2300)")
        try source.execute("COMMIT")
        try source.execute("UPDATE pk_change SET id = 2 WHERE id = 1")
        try source.execute("DELETE FROM energy")
        try source.execute("TRUNCATE energy_compensate")
        try source.execute("SELECT pg_logical_emit_message(true, 'app', 'hello')")
        // Streamed while in progress (64kB): the key change inside is spooled and split at commit.
        try source.execute("BEGIN")
        try source.execute("INSERT INTO pk_change SELECT i, repeat('x', 100), i FROM generate_series(100, 2099) AS i")
        try source.execute("UPDATE pk_change SET id = 3 WHERE id = 2")
        try source.execute("COMMIT")

        let reader = TopicReader(brokers: env.stack.brokers)
        // users: two snapshot reads, first and last of their table; users is the first table.
        let users = try reader.read([env.topic("users")], minimum: 2).map { try Self.json($0.value) }
        let markers = try users.map { try #require($0["source"]?.objectValue?["snapshot"]?.stringValue) }
        #expect(markers == ["first", "last_in_data_collection"])
        #expect(users[0]["transaction"] == .null)
        #expect(users[0].keys == ["before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"])
        let snapshotSource = try #require(users[0]["source"]?.objectValue)
        #expect(snapshotSource.keys == ["version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "ts_us", "ts_ns",
                                        "schema", "table", "txId", "lsn", "xmin", "origin", "origin_lsn"])
        #expect(snapshotSource["sequence"]?.stringValue?.hasPrefix("[null,") == true)
        #expect((snapshotSource["txId"]?.int64Value ?? 0) > 0, "the snapshot transaction's own id")

        // energy: a create with Debezium's values and transaction block, a delete, its tombstone.
        let energyRecords = try reader.read([env.topic("energy")], minimum: 3)
        #expect(energyRecords.map { $0.value == nil } == [false, false, true])
        let created = try Self.json(energyRecords[0].value)
        let after = try #require(created["after"]?.objectValue)
        #expect(after["energy_kwh"] == .string("MAw="), "numeric(14,4) 1.2300: base64 of 12300")
        #expect(after["measured_at"] == .string("2026-01-15T15:00:00.000000Z"))
        let block = try #require(created["transaction"]?.objectValue)
        #expect(block["total_order"] == .number("3") && block["data_collection_order"] == .number("1"))
        let createdSource = try #require(created["source"]?.objectValue)
        #expect(createdSource["sequence"]?.stringValue?.hasPrefix("[null,") == true, "no commit seen yet since capture started")
        #expect(energyRecords[0].headers.map(\.name) == ["__debezium.context.connectorLogicalName", "__debezium.context.taskId",
                                                         "__debezium.context.connectorName", "__debezium.context.runId"])
        let deleted = try Self.json(energyRecords[1].value)
        #expect(deleted["before"]?.objectValue?["id"] == after["id"])
        #expect(deleted["before"]?.objectValue?["device_id"] == .number("0"), "a NOT NULL column without a value or default: its zero")
        #expect(deleted["before"]?.objectValue?["power_kw"] == .null)
        #expect(deleted["source"]?.objectValue?["sequence"]?.stringValue?.hasPrefix("[\"") == true, "the last commit is named now")

        // pk_change, per key (a key's records keep their order on its partition): r, then d +
        // tombstone under 1 and c under 2, then (streamed) d + tombstone under 2 and c under 3.
        let pkRecords = try reader.read([env.topic("pk_change")], minimum: 2007)
        func records(_ key: String) -> [KafkaRecord] { pkRecords.filter { $0.key.map { String(decoding: $0, as: UTF8.self) } == key } }
        func ops(_ key: String) throws -> [String] {
            try records(key).map { $0.value == nil ? "tombstone" : try Self.json($0.value)["op"]?.stringValue ?? "?" }
        }
        #expect(try ops(#"{"id":1}"#) == ["r", "d", "tombstone"])
        #expect(try ops(#"{"id":2}"#) == ["c", "d", "tombstone"])
        #expect(try ops(#"{"id":3}"#) == ["c"])
        let keyDelete = try #require(records(#"{"id":1}"#).dropFirst().first)
        #expect(try Self.json(keyDelete.value)["before"]?.objectValue?["note"] == .string("none"), "a NOT NULL column's literal default")
        #expect(keyDelete.headers.first?.name == "__debezium.newkey")
        #expect(records(#"{"id":2}"#).first?.headers.first?.name == "__debezium.oldkey")
        #expect(records(#"{"id":3}"#).first?.headers.first?.name == "__debezium.oldkey", "split at commit from the spool")

        // The message, and no truncate event anywhere.
        let messages = try reader.read(["\(env.name).message"], minimum: 1)
        #expect(messages.first.map { String(decoding: $0.key ?? [], as: UTF8.self) } == #"{"prefix":"app"}"#)
        let message = try Self.json(messages.first?.value)
        #expect(message["message"]?.objectValue?["content"] == .string("aGVsbG8="))

        // Transaction events: BEGIN and END ids differ (first LSN, end LSN); the truncate's
        // transaction has its BEGIN and an END of 0 events; no frame around the snapshot.
        let transactions = try reader.read([env.transactionTopic], minimum: 12).map { try Self.json($0.value) }
        #expect(transactions.allSatisfy { $0.keys == ["status", "id", "event_count", "data_collections", "ts_ms"] })
        #expect(transactions[0]["status"] == .string("BEGIN"))
        let ends = transactions.filter { $0["status"] == .string("END") }
        #expect(ends.map { $0["event_count"]?.intValue ?? -1 } == [3, 2, 1, 0, 1, 2002])
        #expect(ends[0]["data_collections"]?.arrayValue?.compactMap { $0.objectValue?["data_collection"]?.stringValue }
                == ["public.devices", "public.energy", "public.units"], "java.util.HashMap order")
        let begins = transactions.filter { $0["status"] == .string("BEGIN") }
        #expect(begins.count == ends.count)
        for (begin, end) in zip(begins, ends) {
            let beginID = try #require(begin["id"]?.stringValue).split(separator: ":")
            let endID = try #require(end["id"]?.stringValue).split(separator: ":")
            #expect(beginID[0] == endID[0] && UInt64(beginID[1])! < UInt64(endID[1])!)
        }
        // The first transaction's BEGIN is at its first change (the units insert).
        let unit = try Self.json(try #require(try reader.read([env.topic("units")], minimum: 1).first).value)
        let unitSource = try #require(unit["source"]?.objectValue)
        #expect(begins[0]["id"]?.stringValue == "\(unitSource["txId"]?.description ?? "?"):\(unitSource["lsn"]?.description ?? "?")")
        #expect(createdSource["txId"] == unitSource["txId"])
    }
}
