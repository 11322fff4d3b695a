import Foundation
import HelioCapture
import HelioOps
import HelioTestSupport
import Testing

/// The consumer examples of docs/consumers.md (examples/python/consumer.py and
/// examples/java/run) against capture on a scratch database, in both record forms: each must
/// print every committed transaction once, with its per-table event counts, although one was
/// sent twice (as after a capture restart), and end with the source's row counts.
@Suite("Consumer examples on the local stack", .serialized)
struct ConsumerExampleTests {
    /// Two users and an account exist before capture (the snapshot). Then: T1 inserts a unit, a
    /// device and two readings; T2 updates reading 1 and deletes it (tombstone), and is sent again
    /// once the examples printed it; T3 suspends a user, adds a compensation row and changes the
    /// account's key (Helio: one update; Debezium: delete, tombstone, create); T4 truncates the
    /// compensation; T5 inserts reading 1 again and account 1 again (same keys, so each lands
    /// after T2's copies and after the key change's tombstone in its partition, whatever the key
    /// bytes: with JSON schemas they carry the topic prefix, which differs from run to run).
    /// Returns the five transactions' xids and each example's exit status and output.
    static func run(_ compatibility: HelioConfiguration.Compatibility, schemas: Bool = false)
        throws -> (xids: [String], results: [String: (status: Int32, output: String)]) {
        let env = try TestEnvironment("consumers")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("INSERT INTO users (name, email) VALUES ('Ana', 'ana@example.com'), ('Bia', 'bia@example.com')")
        // The contract's keys are identities that cannot be updated: a table of its own for a key change.
        try source.execute("CREATE TABLE public.accounts (id integer PRIMARY KEY, note text)")
        try source.execute("INSERT INTO accounts VALUES (1, 'first')")
        // As the superuser: capture adds the extra table to the publication, which only its owner may.
        var config = env.configuration()
        config.tables.append("public.accounts")
        config.compatibility = compatibility
        config.debeziumSchemas = schemas
        config.heartbeatIntervalSeconds = 0
        let capture = RunningCapture(env, config: config)
        defer { _ = try? capture.finish() }
        try env.waitForSlot()

        var xids: [String] = []
        func transaction(_ statements: String) throws {
            try source.execute("BEGIN")
            xids.append(try #require(try source.execute("SELECT pg_current_xact_id()::xid").scalar))
            try source.execute(statements)
            try source.execute("COMMIT")
        }
        try transaction("""
            INSERT INTO units (user_id, name) VALUES (1, 'Casa');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'INV-1', 'inverter');
            INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-15 12:00-03', 1.23), (1, '2026-01-15 12:15-03', 1.5);
            """)
        try transaction("UPDATE energy SET energy_kwh = 2 WHERE id = 1; DELETE FROM energy WHERE id = 1")
        // Both examples at once, each its own consumer group reading the topics from their start.
        // T2 is sent again once both printed it, so that its copies arrive after it was printed
        // (as after a capture restart); T3-T5 come after the copies.
        let transactions = compatibility == .helio ? 6 : 5
        let examples = try ["python", "java"].map { name in
            try ExampleConsumer(name, arguments: ["--brokers", env.stack.brokers, "--prefix", env.name, "--group", "\(env.name)-\(name)",
                                                  "--max-transactions", "\(transactions)", "--timeout", "90"])
        }
        defer { for example in examples where example.process.isRunning { example.process.terminate() } }
        for example in examples { try example.waitForLine(startingWith: "transaction \(xids[1]) ", within: 90) }
        try env.sendAgain(transaction: xids[1], table: "energy")
        try transaction("""
            UPDATE users SET status = 'suspended' WHERE id = 1;
            INSERT INTO energy_compensate (unit_id, reference_month, injected_kwh) VALUES (1, '2026-01-01', 10);
            UPDATE accounts SET id = 2 WHERE id = 1;
            """)
        try transaction("TRUNCATE energy_compensate")
        try transaction("""
            INSERT INTO energy (id, device_id, measured_at, energy_kwh) OVERRIDING SYSTEM VALUE VALUES (1, 1, '2026-01-15 12:00-03', 3);
            INSERT INTO accounts VALUES (1, 'again');
            """)

        var results: [String: (status: Int32, output: String)] = [:]
        for example in examples { results[example.name] = example.finish(within: 150) }
        return (xids, results)
    }

    @Test("Helio's own form: the snapshot as transaction 0, a key change as one update, the truncate counted and applied, the transaction sent twice printed once")
    func helioForm() throws {
        let (x, results) = try Self.run(.helio)
        let expected = [
            "transaction 0 events=3 public.accounts=1 public.users=2",
            "transaction \(x[0]) events=4 public.devices=1 public.energy=2 public.units=1",
            "transaction \(x[1]) events=2 public.energy=2",
            "transaction \(x[2]) events=3 public.accounts=1 public.energy_compensate=1 public.users=1",
            "transaction \(x[3]) events=1 public.energy_compensate=1",
            "transaction \(x[4]) events=2 public.accounts=1 public.energy=1",
            "rows public.accounts=2 public.devices=1 public.energy=2 public.energy_compensate=0 public.units=1 public.users=2",
            "summary transactions=6 duplicates=2 tombstones=2 snapshot_reads=3",
        ]
        for (name, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "\(name) example exited \(result.status):\n\(result.output)")
            #expect(ExampleConsumer.report(result.output) == expected, "\(name) example printed:\n\(result.output)")
        }
    }

    @Test("Debezium's form: snapshot reads outside transactions, a key change as delete, tombstone and create, the truncate's transaction with 0 events and not applied, the transaction sent twice printed once; with JSON schemas the same",
          arguments: [false, true])
    func debeziumForm(schemas: Bool) throws {
        let (x, results) = try Self.run(.debezium, schemas: schemas)
        let expected = [
            "transaction \(x[0]) events=4 public.devices=1 public.energy=2 public.units=1",
            "transaction \(x[1]) events=2 public.energy=2",
            "transaction \(x[2]) events=4 public.accounts=2 public.energy_compensate=1 public.users=1",
            "transaction \(x[3]) events=0",
            "transaction \(x[4]) events=2 public.accounts=1 public.energy=1",
            "rows public.accounts=2 public.devices=1 public.energy=2 public.energy_compensate=1 public.units=1 public.users=2",
            "summary transactions=5 duplicates=2 tombstones=3 snapshot_reads=3",
        ]
        for (name, result) in results.sorted(by: { $0.key < $1.key }) {
            #expect(result.status == 0, "\(name) example exited \(result.status):\n\(result.output)")
            #expect(ExampleConsumer.report(result.output) == expected, "\(name) example printed:\n\(result.output)")
        }
    }
}
