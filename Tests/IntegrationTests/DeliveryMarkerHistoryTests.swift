import Foundation
@testable import HelioCapture
import HelioKafka
import HelioOps
import HelioPostgres
import HelioTestSupport
import Logging
import Testing

/// Capture's delivery marker belongs to one history of the slot: a new pipeline under the same
/// slot name — the slot dropped and created again, or made in another database — starts on a
/// fresh broker instead of being refused as a lost log (the lost log itself: KafkaLogLossTests).
/// Each test runs its own Tansu broker and restarts it empty.
@Suite("Capture's delivery marker follows the slot's history", .serialized)
struct DeliveryMarkerHistoryTests {
    @Test("a slot dropped and created again under the same name, with fresh topics, starts")
    func recreatedSlot() throws {
        let env = try TestEnvironment("markerrecreated")
        defer { env.drop() }
        let broker = try TansuBroker.scratch("marker")
        defer { broker.discard() }
        var config = env.userConfiguration()
        config.kafkaBrokers = broker.brokers
        try Self.deliver(env, config: config, date: "2026-01-01")
        let before = try #require(Self.marker(config)?.history)
        #expect(before.created != nil, "capture made the slot and recorded where")

        // Dropped and made again with SQL, not by capture; the broker starts empty.
        let admin = try env.source()
        try Self.dropSlot(admin, config.slot)
        try admin.execute("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [config.slot])
        try broker.restart()

        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        try admin.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-02', 2)")
        let energy = try TopicReader(brokers: broker.brokers).read([env.topic("energy")], minimum: 1, within: 30)
        #expect(energy.count >= 1, "the new slot's changes reached the fresh broker")
        try eventually("capture to record the new history", within: 30) { Self.marker(config)?.history?.created == nil }
        try capture.finish()
    }

    @Test("another database under the same slot name and spool starts on a fresh broker")
    func otherDatabase() throws {
        let first = try TestEnvironment("markerdb1")
        defer { first.drop() }
        let second = try TestEnvironment("markerdb2")
        defer { second.drop() }
        let broker = try TansuBroker.scratch("marker")
        defer { broker.discard() }
        var config = first.userConfiguration()
        config.kafkaBrokers = broker.brokers
        try Self.deliver(first, config: config, date: "2026-01-01")
        let before = try #require(Self.marker(config)?.history)

        // The same slot name, prefix and spool directory, now on the second database.
        try Self.dropSlot(try first.source(), config.slot)
        let admin = try second.source()
        // Made before the slot, as whoever set this pipeline up would (pgoutput reads it as of each change).
        try admin.execute("CREATE PUBLICATION \(config.publication) FOR TABLE \(config.tables.joined(separator: ", "))")
        try admin.execute("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [config.slot])
        defer { try? Self.dropSlot(admin, config.slot) }
        try broker.restart()
        config.sourceURL = second.userConfiguration().sourceURL
        try admin.execute("""
            INSERT INTO users (name, email) VALUES ('M', 'm@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let capture = RunningCapture(second, config: config)
        try first.waitForSlot()
        try admin.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-02-01', 3)")
        let energy = try TopicReader(brokers: broker.brokers).read([first.topic("energy")], minimum: 1, within: 30)
        #expect(energy.count >= 1, "the second database's changes reached the fresh broker")
        try eventually("capture to record the second database's history", within: 30) {
            guard let history = Self.marker(config)?.history else { return false }
            return history.database == "\(second.name)_src" && history.database != before.database
        }
        try capture.finish()
    }

    // MARK: Helpers

    /// Runs capture until Kafka has acknowledged a transaction END and the marker records it.
    static func deliver(_ env: TestEnvironment, config: HelioConfiguration, date: String) throws {
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('L', 'l@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, $1::timestamptz, 1)", [date])
        try eventually("capture to record its last delivered transaction", within: 30) { marker(config)?.history != nil }
        try capture.finish()
    }

    static func marker(_ config: HelioConfiguration) -> KafkaLogGuard.Marker? {
        guard let text = try? String(contentsOfFile: "\(config.spoolDirectory)/delivered-\(config.slot).position", encoding: .utf8) else { return nil }
        return KafkaLogGuard.decode(text)
    }

    /// Drops a slot once its walsender has let go of it.
    static func dropSlot(_ admin: PostgresConnection, _ slot: String) throws {
        try eventually("slot \(slot) to be dropped", within: 30) {
            guard let row = try admin.execute("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot]).rows.first else { return true }
            if row[0] == "f" { _ = try? admin.execute("SELECT pg_drop_replication_slot($1)", [slot]) }
            return false
        }
    }
}
