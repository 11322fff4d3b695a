import Foundation
import HelioEvents
import HelioTestSupport
import Testing

@Suite("Broker outage", .serialized)
struct BrokerOutageTests {
    @Test("broker paused (SIGSTOP) for 20 s: capture stops confirming, then resumes and loses nothing")
    func brokerPaused() throws {
        let env = try TestEnvironment("pause")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('P', 'p@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let capture = RunningCapture(env)
        try env.waitForSlot()
        let broker = try LocalStack.brokerPID()
        kill(broker, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(broker, SIGCONT) } }
        for batch in 0..<20 {
            try source.execute("""
                INSERT INTO energy (device_id, measured_at, energy_kwh)
                SELECT 1, timestamptz '2026-03-01' + (\(batch * 50) + g) * interval '1 minute', g FROM generate_series(1, 50) g
                """)
        }
        let written = try #require(try source.execute("SELECT pg_current_wal_lsn()::text").scalar)
        Thread.sleep(forTimeInterval: 20)
        let confirmedDuringOutage = try source.execute(
            "SELECT confirmed_flush_lsn < $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2", [written, env.name]).scalar
        #expect(confirmedDuringOutage == "t", "nothing Kafka has not acknowledged is confirmed")
        kill(broker, SIGCONT)
        resumed = true
        let energy = try env.changes("energy", minimum: 1_000, within: 120)
        #expect(Set(energy.compactMap { $0.after?["id"]?.int64Value }).count == 1_000, "every change arrives after the outage")
        try eventually("the slot to confirm after the outage", within: 60) {
            try source.execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                               [written, env.name]).scalar == "t"
        }
        try capture.finish()
    }
}
