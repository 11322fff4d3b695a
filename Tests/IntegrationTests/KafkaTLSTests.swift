import Foundation
import HelioKafka
import HelioOps
import HelioTestSupport
import Logging
import Testing

/// Kafka over mutual TLS, exercised and not only configured: stunnel terminates TLS in front
/// of a Tansu broker of the test's own (docs/security.md, "Kafka"), with a test CA made here,
/// the server verified by the clients and a client certificate required by the server.
@Suite("Kafka over mutual TLS, end to end", .serialized)
struct KafkaTLSTests {
    @Test("capture, apply and the admin calls (topic creation, metadata, search by time) run over TLS with a client certificate")
    func pipelineOverTLS() throws {
        let broker = try KafkaTLSBroker("kafkatls")
        defer { broker.discard() }
        let env = try TestEnvironment("kafkatls")
        defer { env.drop() }
        var config = env.userConfiguration()
        config.kafkaBrokers = broker.brokers
        config.kafkaProperties = broker.clientProperties()

        var workload = RandomWorkload(seed: 23)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env, config: config)
        try env.waitForSlot()
        try workload.run(try env.source(), transactions: 20)
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(20))")
        #expect(try env.warehouseCounts().values.reduce(0, +) > 0, "the warehouse filled")
        try pipeline.finish()

        // The CLI's Kafka calls, with the settings as an operator gives them (variables).
        let check = try HelioProcess.run(["config", "check"], config: config, environment: broker.clientEnvironment())
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("kafka: reachable ("), "\(check.output)")
        let replay = try HelioProcess.run(["replay", "--from-timestamp", "2000-01-01T00:00:00Z"], config: config, environment: broker.clientEnvironment())
        #expect(replay.status == 0, "\(replay.output)")
        let rewound = try env.warehouse().execute(
            "SELECT count(*) FROM dw.consumer_offsets WHERE group_id = $1 AND next_offset = 0", [config.groupID]).scalar
        #expect(Int(rewound ?? "0")! > 0, "replay found the partitions and their first records over TLS: \(replay.output)")
    }

    @Test("a client without a certificate, or one that does not trust the server's CA, is refused")
    func refused() throws {
        let broker = try KafkaTLSBroker("kafkatlsrefused")
        defer { broker.discard() }
        let logger = Logger(label: "test.kafkatls")
        func topics(_ properties: [String: String]) throws -> [String: Int] {
            let client = try KafkaProducer(properties: properties.merging(["bootstrap.servers": broker.brokers]) { $1 }, logger: logger)
            return try client.topics(timeoutMilliseconds: 2_000)
        }
        #expect(throws: Never.self, "with a certificate the broker answers") { _ = try topics(broker.clientProperties()) }
        #expect(throws: KafkaError.self, "no client certificate") { _ = try topics(broker.clientProperties(certificate: false)) }
        #expect(broker.stunnelLog.contains("peer did not return a certificate"), "refused by the server: \(broker.stunnelLog.suffix(2_000))")
        #expect(throws: KafkaError.self, "server not trusted") { _ = try topics(broker.clientProperties(caFile: broker.otherCAFile)) }
        #expect(throws: KafkaError.self, "plain text to the TLS port") { _ = try topics([:]) }

        // What an operator sees: `helio config check` fails (exit 69) and says the broker is not reachable.
        var config = HelioConfiguration()   // the stack's databases, from the environment
        config.kafkaBrokers = broker.brokers
        let check = try HelioProcess.run(["config", "check"], config: config, environment: broker.clientEnvironment(certificate: false))
        #expect(check.status == HelioExit.unavailable, "\(check.output)")
        #expect(check.output.contains("kafka: "), "\(check.output)")
        #expect(!check.output.contains("kafka: reachable"), "\(check.output)")
    }
}
