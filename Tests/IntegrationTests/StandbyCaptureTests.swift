import Foundation
import HelioPostgres
import HelioTestSupport
import Testing

/// Two `helio capture` processes for one slot (issue #13, standby capture): one streams, the
/// other (`capture.standby: true`) stands by touching nothing, and takes over within seconds
/// of kill -9 of the first, losing no change. Without the setting a second capture refuses to
/// start (`CaptureErrorTests`).
@Suite("Standby capture", .serialized)
struct StandbyCaptureTests {
    @Test("the second capture stands by; after kill -9 of the first it takes over within 10 s and no change is lost")
    func standbyTakesOver() throws {
        let env = try TestEnvironment("standby")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('S', 's@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let config = env.userConfiguration()
        let active = try HelioProcess(["capture"], config: config, logPath: env.spoolDirectory + "-active.log")
        try env.waitForSlot()
        let standbyLog = env.spoolDirectory + "-standby.log"
        let standby = try HelioProcess(["capture"], config: config, logPath: standbyLog, environment: ["HELIO_CAPTURE_STANDBY": "true"])
        defer { _ = standby.terminate() }
        try eventually("the second capture to stand by", within: 30) {
            (try? String(contentsOfFile: standbyLog, encoding: .utf8))?.contains("standing by") == true
        }
        let activePID = try Self.streamingPID(source, slot: env.name)

        func insert(_ range: ClosedRange<Int>) throws {
            for index in range {
                try source.execute("""
                    INSERT INTO energy (device_id, measured_at, energy_kwh)
                    SELECT 1, timestamptz '2026-01-01' + (\(index * 10) + g) * interval '1 minute', g FROM generate_series(1, 10) g
                    """)
            }
        }
        try insert(0...19)
        active.kill9()
        let killed = Date()
        try insert(20...39)   // written while nobody streams: the slot keeps them
        try eventually("the standby to stream the slot", within: 10) {
            guard let pid = try? Self.streamingPID(source, slot: env.name) else { return false }
            return pid != activePID
        }
        let takeover = Date().timeIntervalSince(killed)
        #expect(takeover < 10, "took over in \(takeover) s")
        #expect((try String(contentsOfFile: standbyLog, encoding: .utf8)).contains("taking over"))
        try insert(40...59)

        let expected = Set(try source.execute("SELECT id FROM energy").rows.compactMap { $0[0].flatMap { Int64($0) } })
        #expect(expected.count == 600)
        var seen = Set<Int64>()
        try eventually("every row to reach Kafka", within: 60) {
            seen = Set(try env.changes("energy", minimum: expected.count, within: 10).compactMap { $0.after?["id"]?.int64Value })
            return seen.isSuperset(of: expected)
        }
        #expect(expected.subtracting(seen).isEmpty, "no change lost across the takeover")
    }

    /// The walsender streaming `slot`, or nil when none does.
    static func streamingPID(_ source: PostgresConnection, slot: String) throws -> String? {
        try source.execute("""
            SELECT s.active_pid::text FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
             WHERE s.slot_name = $1 AND r.state = 'streaming'
            """, [slot]).rows.first?[0] ?? nil
    }
}
