import Foundation
@testable import HelioCapture
import HelioEvents
import HelioKafka
import HelioTestSupport
import Logging
import Testing

/// A broker that loses its data must stop capture with advice, never let it carry on over
/// the gap — on a Tansu broker of the test's own, restarted empty (memory storage).
@Suite("Capture notices a lost Kafka log", .serialized)
struct KafkaLogLossTests {
    @Test("broker restarted empty: running capture stops saying so, a restarted one refuses, a new slot starts over")
    func brokerLostItsData() throws {
        let env = try TestEnvironment("loglost")
        defer { env.drop() }
        let broker = try TansuBroker.scratch("loglost")
        defer { broker.discard() }
        var config = env.userConfiguration()
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

    @Test("a failed delivery is reported as the lost log it comes from, and as itself when the log is intact")
    func failedDeliveryExplained() throws {
        let broker = try TansuBroker.scratch("logexplain")
        defer { broker.discard() }
        let root = broker.directory!
        let topics = TopicNames(prefix: "explain")
        let logger = Logger(label: "test.explain")
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: broker.brokers), logger: logger)
        try producer.createTopics([topics.transaction], partitions: 1, replicationFactor: 1)
        let end = TransactionEvent.end(txId: 7, commitLSN: 4_096, tsMs: 1, dataCollections: [.init(collection: "public.energy", eventCount: 1)])
        try producer.send(OutgoingRecord(topic: topics.transaction, key: nil, value: end.encoded(), partition: 0), id: 1)
        #expect(producer.flush(timeoutMilliseconds: 10_000))
        let guardian = KafkaLogGuard(brokers: broker.brokers, kafkaProperties: [:], topics: topics, slot: "explain",
                                     spoolDirectory: root, logger: logger)
        guardian.acknowledgedEnd(offset: 0, transactionID: end.id)
        let refused = KafkaError(code: 59, message: "Broker: Unknown Producer Id", isFatal: true)
        #expect(throws: Never.self, "the log holds the END: the delivery failure stands") { try guardian.explain(refused, admin: producer) }

        try broker.restart()
        let admin = try KafkaProducer(properties: KafkaProducer.defaults(brokers: broker.brokers), logger: logger)
        let gone = failure { try guardian.explain(refused, admin: admin) }
        #expect(gone.contains("the Kafka log lost records capture had delivered") && gone.contains("Unknown Producer Id"), "\(gone)")
        // The topic made again, empty, as an auto-creating broker does.
        try admin.createTopics([topics.transaction], partitions: 4, replicationFactor: 1)
        let empty = failure { try guardian.explain(refused, admin: admin) }
        #expect(empty.contains("ends at offset 0"), "\(empty)")
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
