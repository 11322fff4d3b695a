import Foundation
import HelioPostgres
import HelioTestSupport
import Testing

/// With transaction consistency on, a reader of the warehouse never sees part of a source
/// transaction, even though its events travel on four partitions of several topics and
/// arrive in batches that cut across transactions.
@Suite("Transaction consistency", .serialized)
struct TransactionConsistencyTests {
    static let readingsPerTransaction = 25
    static let transactions = 60

    @Test("every source transaction appears whole or not at all, in commit order")
    func transactionsAppearWhole() throws {
        let env = try TestEnvironment("txcons")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email, document, phone) VALUES ('Ana', 'a@x', '123', '+55 11 91234 5678');
            INSERT INTO units (user_id, name, tariff_class) SELECT max(id), 'Roof', 'B1' FROM users;
            INSERT INTO devices (unit_id, serial_number, kind, firmware_version) SELECT max(id), 'S1', 'inverter', 'fw-0' FROM units
            """)
        let device = try source.execute("SELECT max(id) FROM devices").scalar ?? "0"
        var config = env.userConfiguration()
        config.transactionConsistency = true
        config.batchSize = 7                   // batches cut across every transaction
        config.batchWaitMilliseconds = 20
        let pipeline = RunningPipeline(env, config: config)
        defer { _ = try? pipeline.finish() }

        let warehouse = try env.warehouse()
        try eventually("the initial snapshot to be applied") {
            (try? warehouse.execute("SELECT count(*) FROM dw.dim_devices").scalar) == "1"
        }

        // Each transaction changes the device (a new type-2 version) and adds readings of it.
        let writer = Thread {
            for k in 1...Self.transactions {
                try? source.execute("""
                    BEGIN;
                    UPDATE devices SET firmware_version = 'fw-\(k)' WHERE id = \(device);
                    INSERT INTO energy (device_id, measured_at, energy_kwh)
                    SELECT \(device), timestamptz '2026-07-01 00:00:00-03' + (\(k * 100) + g) * interval '15 minutes', g * 0.1
                    FROM generate_series(1, \(Self.readingsPerTransaction)) g;
                    COMMIT
                    """)
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        writer.start()

        // Observe the warehouse while it fills: every transaction's readings all there or none,
        // each paired with the device version of its own transaction, and no gap in commit order.
        var observations = 0
        var partial: [String] = []
        var seenFinal = false
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && !seenFinal {
            // One statement, so one snapshot of the warehouse: readings and versions together.
            let rows = try warehouse.execute("""
                SELECT f.source_commit_lsn::text, count(*), min(d.firmware_version), max(d.firmware_version),
                       (SELECT count(*) FROM dw.dim_devices)
                FROM dw.fact_energy f JOIN dw.dim_devices d USING (device_key)
                GROUP BY f.source_commit_lsn ORDER BY f.source_commit_lsn
                """).rows
            let versions = rows.first.flatMap { $0[4] }.flatMap { Int($0) } ?? 0
            observations += 1
            for row in rows where Int(row[1] ?? "0") != Self.readingsPerTransaction || row[2] != row[3] {
                partial.append("commit \(row[0] ?? "?"): \(row[1] ?? "?") readings, firmware \(row[2] ?? "?")…\(row[3] ?? "?")")
            }
            // The device versions and the readings move together: one version per visible
            // transaction, plus the first (the snapshot's).
            if !rows.isEmpty && versions != rows.count + 1 {
                partial.append("\(rows.count) transactions of readings visible with \(versions) device versions")
            }
            seenFinal = rows.count == Self.transactions
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(seenFinal, "every transaction applied")
        #expect(observations > 10, "observed the warehouse while it filled (\(observations) times)")
        #expect(partial.isEmpty, "\(partial.prefix(10))")
        #expect(try env.waitForWarehouse().isEmpty)
        let held = try warehouse.execute("SELECT count(*) FROM dw.held_change").scalar
        #expect(held == "0")
    }
}
