import Foundation
import HelioApply
@testable import HelioCapture
import HelioOps
import HelioTestSupport
import Testing

/// `make run`, Ctrl-C, `make down`, `make run`: the local broker comes back empty while the
/// source, the slot, the spool and the warehouse persist. `helio run --demo` notices and starts
/// over (DemoRecovery), and the warehouse equals the source again; capture alone still refuses.
/// On a Tansu broker of the test's own, restarted empty, with a scratch source and warehouse.
@Suite("The demo survives a restart of the local stack", .serialized)
struct DemoRestartTests {
    @Test("broker restarted empty between two demo runs: the demo starts over, and the warehouse equals the source")
    func restartCycle() throws {
        let env = try TestEnvironment("demorestart")
        defer { env.drop() }
        let broker = try TansuBroker.scratch("demorestart")
        defer { broker.discard() }
        var config = env.configuration()
        config.kafkaBrokers = broker.brokers
        let recovery = DemoRecovery(config: config, logger: env.logger, applyPositions: {
            try config.warehouseURL.flatMap { try OffsetStore.positions(url: $0, group: config.groupID, applicationName: "helio-demo") }
        })
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('A', 'a@example.com'), ('B', 'b@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U1'), (2, 'U2');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D1', 'inverter'), (2, 'D2', 'inverter');
            """)

        // First `make run`: nothing to recover; the pipeline builds the warehouse.
        #expect(try recovery.recoverIfBrokerLost() == false, "a first run has nothing to start over")
        let first = RunningPipeline(env, config: config)
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-01 10:00', 1), (2, '2026-01-01 10:00', 2)")
        try source.execute("UPDATE users SET name = 'A2' WHERE id = 1")
        let before = try env.waitForWarehouse()
        #expect(before.isEmpty, "the first run's warehouse equals the source: \(before)")
        try eventually("capture to record its last delivered transaction", within: 30) {
            FileManager.default.fileExists(atPath: "\(config.spoolDirectory)/delivered-\(config.slot).position")
        }
        // Ctrl-C.
        try first.finish()
        // An ordinary second run (the broker kept its topics) resumes: no false alarm.
        let intact = try recovery.brokerLoss()
        #expect(intact == nil, "an intact broker is resumed, not started over")
        try #require(intact == nil)

        // `make down`, `make run`: the broker comes back empty; the source changed meanwhile.
        try broker.restart()
        try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (1, '2026-01-01 11:00', 3);
            UPDATE devices SET serial_number = 'D2b' WHERE id = 2;
            DELETE FROM energy WHERE device_id = 2;
            """)
        // Production capture refuses, exactly as before.
        let refused: String
        do {
            try CaptureService(config: config, logger: env.logger).run(shouldStop: { false })
            refused = "no error"
        } catch {
            refused = "\(error)"
        }
        #expect(refused.contains("the Kafka log lost records capture had delivered"), "\(refused)")
        #expect(try recovery.brokerLoss() != nil, "the demo sees the loss")

        // The demo starts over: new slot, new snapshot, fresh warehouse.
        #expect(try recovery.recoverIfBrokerLost() == true)
        let second = RunningPipeline(env, config: config)
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (2, '2026-01-01 12:00', 4)")
        let after = try env.waitForWarehouse()
        #expect(after.isEmpty, "after the restart the warehouse equals the source: \(after)")
        try second.finish()
        #expect(try recovery.recoverIfBrokerLost() == false, "and the next run resumes")
    }
}
