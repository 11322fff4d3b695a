import Foundation
import HelioEvents
import HelioTestSupport
import Testing

@Suite("Capture survives crashes", .serialized)
struct CaptureCrashTests {
    @Test("kill -9 during load, three times, then restart: every change reaches Kafka (duplicates allowed, loss never)")
    func killDuringLoad() throws {
        let env = try TestEnvironment("kill")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('K', 'k@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let log = env.spoolDirectory + ".log"
        let config = env.userConfiguration()
        var capture = try HelioProcess(["capture"], config: config, logPath: log)
        try env.waitForSlot()

        let transactions = 150, rowsPerTransaction = 100
        let writer = Thread {
            guard let connection = try? env.source() else { return }
            for index in 0..<transactions {
                _ = try? connection.execute("""
                    INSERT INTO energy (device_id, measured_at, energy_kwh)
                    SELECT 1, timestamptz '2026-01-01' + (\(index * rowsPerTransaction) + g) * interval '1 minute', g
                    FROM generate_series(1, \(rowsPerTransaction)) g
                    """)
                usleep(20_000)
            }
        }
        writer.start()
        for _ in 0..<3 {
            usleep(UInt32.random(in: 500_000...1_200_000))
            capture.kill9()
            capture = try HelioProcess(["capture"], config: config, logPath: log)
        }
        try eventually("the writer to finish", within: 120) { writer.isFinished }
        let expected = Set(try source.execute("SELECT id FROM energy").rows.compactMap { $0[0].flatMap { Int64($0) } })
        #expect(expected.count == transactions * rowsPerTransaction)
        var seen = Set<Int64>()
        try eventually("every row to reach Kafka", within: 120) {
            seen = Set(try env.changes("energy", minimum: expected.count, within: 10).compactMap { $0.after?["id"]?.int64Value })
            return seen.isSuperset(of: expected)
        }
        #expect(expected.subtracting(seen).isEmpty, "no change lost across three SIGKILLs")
        #expect(capture.terminate() == 0, "a clean SIGTERM exits 0")
    }
}

@Suite("Capture memory", .serialized)
struct CaptureMemoryTests {
    @Test("a 1,000,000-row transaction streams through capture with bounded memory (peak RSS < 150 MB)")
    func millionRowTransaction() throws {
        let env = try TestEnvironment("million")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('M', 'm@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        var config = env.userConfiguration()
        config.decodingWorkMem = "64kB"
        let capture = try HelioProcess(["capture"], config: config, logPath: env.spoolDirectory + "-million.log")
        defer { capture.terminate() }
        try env.waitForSlot()
        try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh)
            SELECT 1, timestamptz '2026-01-01' + g * interval '1 minute', (g % 1000) / 100.0 FROM generate_series(1, 1000000) g
            """)
        let end = try #require(try source.execute("SELECT pg_current_wal_insert_lsn()::text").scalar)
        // Capture confirms a transaction only after Kafka acknowledged every record of it.
        try eventually("capture to confirm the million-row transaction", within: 600) {
            try source.execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                               [end, env.name]).scalar == "t"
        }
        let status = try String(contentsOfFile: "/proc/\(capture.process.processIdentifier)/status", encoding: .utf8)
        let peakKB = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") } ?? .infinity
        #expect(peakKB / 1024 < 150, "capture's peak RSS was \(peakKB / 1024) MB")
        let ends = try TopicReader(brokers: env.stack.brokers).read([env.transactionTopic], minimum: 2, within: 30)
            .compactMap { $0.value }.compactMap { try? TransactionEvent.decode($0) }.filter { $0.status == .end }
        #expect(ends.contains { $0.eventCount == 1_000_000 && $0.dataCollections.first?.collection == "public.energy" },
                "the transaction's END counts every row: \(ends.map { $0.eventCount ?? -1 })")
        // The replay of the spool outlasts capture's 5 s wal_sender_timeout: capture must keep
        // replying during it, or the server ends the session and the transaction goes out twice.
        #expect(ends.filter { $0.eventCount == 1_000_000 }.count == 1, "published once: \(ends.map { $0.eventCount ?? -1 })")
        let log = (try? String(contentsOfFile: env.spoolDirectory + "-million.log", encoding: .utf8)) ?? ""
        #expect(!log.contains("source connection lost"), "the replication session was never lost")
    }
}
