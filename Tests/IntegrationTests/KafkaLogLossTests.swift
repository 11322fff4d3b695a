import Foundation
import HelioCapture
import HelioTestSupport
import Testing

/// A broker that loses its data must stop capture with advice, never let it carry on over
/// the gap — on a Tansu broker of the test's own, restarted empty (memory storage).
@Suite("Capture notices a lost Kafka log", .serialized)
struct KafkaLogLossTests {
    @Test("broker restarted empty: running capture stops saying so, a restarted one refuses, a new slot starts over")
    func brokerLostItsData() throws {
        let env = try TestEnvironment("loglost")
        defer { env.drop() }
        let root = NSTemporaryDirectory() + "helio-loglost-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let broker = try TansuBroker(root: root)
        try broker.start()
        defer { broker.stop() }
        var config = env.configuration()
        config.kafkaBrokers = broker.brokers
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('L', 'l@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        let first = RunningCapture(env, config: config)
        try env.waitForSlot()
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-01', 1)")
        let position = "\(config.spoolDirectory)/delivered-\(config.slot).position"
        try eventually("capture to record its last delivered transaction", within: 30) { FileManager.default.fileExists(atPath: position) }
        try first.finish()
        // An ordinary restart finds the record where it left it and streams on: no false alarm.
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()

        try broker.restart()
        // Changes after the loss: the producer waits for acknowledgements that never come.
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-02', 2)")
        try eventually("capture to stop", within: 90) { capture.stop.isSet }
        let running = failure { try capture.finish() }
        #expect(running.contains("the Kafka log lost records capture had delivered"), "\(running)")
        #expect(running.contains("helio slot drop"), "says what to do: \(running)")

        // Restarting does not forget it, though the broker has auto-created the topics again.
        let restarted = failure { try CaptureService(config: config, logger: env.logger).run(shouldStop: { false }) }
        #expect(restarted.contains("the Kafka log lost records capture had delivered"), "\(restarted)")

        // The remedy: a new slot (new snapshot) starts a new history.
        try source.execute("SELECT pg_drop_replication_slot($1)", [config.slot])
        let fresh = RunningCapture(env, config: config)
        try env.waitForSlot()
        let users = try TopicReader(brokers: broker.brokers).read([env.topic("users")], minimum: 1, within: 30)
        #expect(users.count >= 1, "the new snapshot reached the emptied broker")
        try fresh.finish()
    }

    func failure(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}
