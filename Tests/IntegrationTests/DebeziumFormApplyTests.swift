import Foundation
import HelioApply
import HelioEvents
import HelioTestSupport
import Testing

/// `helio apply` on topics in Debezium's record form (`capture.compatibility: debezium`), which
/// carry no commit position in their change events, encode numerics as bytes and dates as day
/// numbers, and frame no snapshot: the warehouse must come out exactly as from Helio's form.
@Suite("Apply on Debezium's record form", .serialized)
struct DebeziumFormApplyTests {
    @Test("snapshot, a randomized workload and a large streamed transaction leave the warehouse equal to the source; a full replay adds nothing",
          arguments: [false, true])
    func randomizedWorkloadAndReplay(transactionConsistency: Bool) throws {
        let env = try TestEnvironment("dbzapply")
        defer { env.drop() }
        var config = env.configuration()
        config.compatibility = .debezium
        config.transactionConsistency = transactionConsistency
        config.decodingWorkMem = "64kB"   // the large transaction reaches capture streamed (protocol 2)
        var workload = RandomWorkload(seed: transactionConsistency ? 23 : 11)
        try workload.seed(try env.source())   // before the slot: the initial snapshot's rows
        let pipeline = RunningPipeline(env, config: config)
        try env.waitForSlot()   // the workload after the snapshot's point: streamed, not read by the snapshot
        try workload.run(try env.source(), transactions: 120)
        try env.source().execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
            SELECT (SELECT min(id) FROM devices), timestamptz '2030-01-01 00:00+00' + n * interval '15 minutes', n / 7.0, -n / 3.0
              FROM generate_series(1, 3000) n
            """)
        try workload.run(try env.source(), transactions: 30)
        let differences = try env.waitForWarehouse()
        let books = try Self.bookkeeping(env)
        #expect(differences.isEmpty, "\(differences.prefix(5)); \(books)")
        let before = try env.warehouseCounts()
        #expect((before["fact_energy"] ?? 0) > 3000)
        try pipeline.finish()
        let warehouse = try env.warehouse()
        #expect(try warehouse.execute("SELECT count(*) FROM dw.unresolved_change").scalar == "0", "no change left waiting for its END")
        #expect(try warehouse.execute("SELECT count(*) FROM dw.tx_commit").scalar == "0", "every END forgotten once its events joined")
        #expect(try warehouse.execute("SELECT count(*) FROM dw.fact_energy WHERE source_commit_lsn IS NULL").scalar == "0")

        // Every topic read again from the start: nothing is added.
        #expect(try env.appliedTransactionOffset() > 0, "\(books)")
        #expect(Int(try warehouse.execute("SELECT count(DISTINCT source_commit_lsn) FROM dw.fact_energy").scalar ?? "0") ?? 0 > 100,
                "facts of many streamed transactions, not only the snapshot's")
        try env.replayEverything(config: config)
        #expect(try env.warehouseCounts() == before, "replaying every topic added no row")
        let after = try env.verifier().verify()
        #expect(after.isEmpty, "\(after.prefix(5))")
    }

    /// `capture.debezium_schemas`: every key and value is `{"schema":…,"payload":…}` (JsonConverter
    /// with schemas.enable=true), tombstones null; apply reads the payloads and the warehouse is
    /// the same. A streamed transaction's spooled changes carry their table's schema too.
    @Test("with JSON schemas: every record carries its schema, and the warehouse equals the source; a full replay adds nothing")
    func withSchemas() throws {
        let env = try TestEnvironment("dbzschema")
        defer { env.drop() }
        var config = env.configuration()
        config.compatibility = .debezium
        config.debeziumSchemas = true
        config.transactionConsistency = true
        config.decodingWorkMem = "64kB"
        var workload = RandomWorkload(seed: 31)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env, config: config)
        try env.waitForSlot()
        try workload.run(try env.source(), transactions: 60)
        try env.source().execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
            SELECT (SELECT min(id) FROM devices), timestamptz '2031-01-01 00:00+00' + n * interval '15 minutes', n / 7.0, -n / 3.0
              FROM generate_series(1, 1500) n
            """)
        try workload.run(try env.source(), transactions: 20)
        let differences = try env.waitForWarehouse()
        let books = try Self.bookkeeping(env)
        #expect(differences.isEmpty, "\(differences.prefix(5)); \(books)")
        let before = try env.warehouseCounts()
        #expect((before["fact_energy"] ?? 0) > 1500)
        try pipeline.finish()

        let topics = TopicNames(prefix: config.topicPrefix)
        let records = try TopicReader(brokers: env.stack.brokers).read([topics.transaction, "\(config.topicPrefix).public.energy",
                                                                        "\(config.topicPrefix).public.devices"], minimum: 1600)
        #expect(records.count >= 1600)
        for record in records {
            let key = try #require(record.key)
            #expect(ConnectRecord.payloadRange(key) != nil, "a key without its schema on \(record.topic)")
            guard let value = record.value else { continue }   // a tombstone stays null
            let text = String(decoding: value, as: UTF8.self)
            #expect(ConnectRecord.payloadRange(value) != nil, "a value without its schema on \(record.topic): \(text.prefix(120))")
            #expect(record.topic == topics.transaction ? text.contains("TransactionMetadataValue") : text.contains(".Envelope\",\"version\":2}"),
                    "\(text.prefix(200))")
        }

        let warehouse = try env.warehouse()
        #expect(try warehouse.execute("SELECT count(*) FROM dw.unresolved_change").scalar == "0", "no change left waiting for its END")
        #expect(try warehouse.execute("SELECT count(*) FROM dw.fact_energy WHERE source_commit_lsn IS NULL").scalar == "0")
        try env.replayEverything(config: config)
        #expect(try env.warehouseCounts() == before, "replaying every topic added no row")
        let after = try env.verifier().verify()
        #expect(after.isEmpty, "\(after.prefix(5))")
    }

    /// What apply's bookkeeping holds, for a failure's message.
    static func bookkeeping(_ env: TestEnvironment) throws -> String {
        let warehouse = try env.warehouse()
        func value(_ sql: String) -> String { ((try? warehouse.execute(sql).scalar) ?? nil) ?? "-" }
        return ["tx_log: " + value("SELECT count(*) || ' rows, max ' || coalesce(max(commit_lsn)::text, '-') FROM dw.tx_log"),
                "held: " + value("SELECT count(*) FROM dw.held_change"),
                "awaiting END: " + value("SELECT count(*) FROM dw.unresolved_change"),
                "tc_horizon: " + value("SELECT commit_lsn::text FROM dw.tc_horizon"),
                "first: " + value("""
                    SELECT string_agg(x, ' | ') FROM (SELECT c::text || ' end=' || coalesce(l.tc_expected::text, 'none') || ' held=' ||
                           (SELECT count(*) FROM dw.held_change h WHERE h.commit_lsn = c) || ' ops=' ||
                           coalesce((SELECT string_agg(DISTINCT h.source_table || h.op, ',') FROM dw.held_change h WHERE h.commit_lsn = c), '') AS x
                      FROM (SELECT commit_lsn AS c FROM dw.tx_log UNION SELECT commit_lsn FROM dw.held_change ORDER BY 1 LIMIT 4) cs
                      LEFT JOIN dw.tx_log l ON l.commit_lsn = cs.c) y
                    """),
                "offsets: " + value("SELECT string_agg(topic || ':' || kpartition || '=' || next_offset, ' ' ORDER BY topic, kpartition) FROM dw.consumer_offsets")]
            .joined(separator: "; ")
    }
}
