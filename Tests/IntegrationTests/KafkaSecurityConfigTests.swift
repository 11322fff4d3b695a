import Foundation
import HelioKafka
import HelioOps
import HelioTestSupport
import Logging
import Testing

/// TLS and SASL settings for Kafka go through `HELIO_KAFKA_PROPERTY_*`. Tansu, the local
/// broker, serves neither TLS nor a SASL handshake librdkafka completes (docs/security.md), so
/// these checks stop at the client: the variables become librdkafka properties, librdkafka
/// accepts them (it loads the CA file when the client is made), and the library Helio runs
/// with was built with TLS and SASL. No TLS or SASL broker is exercised here.
@Suite("Kafka TLS and SASL settings reach librdkafka")
struct KafkaSecurityConfigTests {
    static let environment = [
        "HELIO_KAFKA_BROKERS": "127.0.0.1:1",
        "HELIO_KAFKA_PROPERTY_SECURITY_PROTOCOL": "SASL_SSL",
        "HELIO_KAFKA_PROPERTY_SASL_MECHANISM": "SCRAM-SHA-512",
        "HELIO_KAFKA_PROPERTY_SASL_USERNAME": "helio",
        "HELIO_KAFKA_PROPERTY_SASL_PASSWORD": "kafka-secret-123",
        "HELIO_KAFKA_PROPERTY_SSL_CA_LOCATION": LocalStack.postgresCAFile,
        "HELIO_KAFKA_PROPERTY_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM": "https",
    ]

    @Test("the librdkafka Helio loads was built with TLS and SASL PLAIN/SCRAM")
    func libraryFeatures() throws {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": "127.0.0.1:1"], logger: Logger(label: "test.kafka"))
        let features = Set((producer.effectiveProperty("builtin.features") ?? "").split(separator: ",").map(String.init))
        #expect(features.isSuperset(of: ["ssl", "sasl_plain", "sasl_scram"]), "builtin.features: \(features.sorted())")
    }

    @Test("HELIO_KAFKA_PROPERTY_* for SASL_SSL become the producer's and the consumer's librdkafka settings")
    func propertiesReachTheClients() throws {
        let config = try HelioConfiguration.fromEnvironment(Self.environment)
        #expect(config.kafkaProperties["security.protocol"] == "SASL_SSL")
        #expect(config.kafkaProperties["ssl.ca.location"] == LocalStack.postgresCAFile)
        let logger = Logger(label: "test.kafka")

        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: config.kafkaBrokers!, overrides: config.kafkaProperties),
                                         logger: logger)
        let consumer = try KafkaConsumer(properties: KafkaConsumer.defaults(brokers: config.kafkaBrokers!, groupID: "tls-check",
                                                                            overrides: config.kafkaProperties), logger: logger)
        for (client, value) in [("producer", producer.effectiveProperty), ("consumer", consumer.effectiveProperty)] {
            #expect(value("security.protocol")?.lowercased() == "sasl_ssl", "\(client)")
            #expect(value("sasl.mechanisms") == "SCRAM-SHA-512", "\(client): sasl.mechanism is an alias of sasl.mechanisms")
            #expect(value("sasl.username") == "helio", "\(client)")
            #expect(value("sasl.password") == "***", "\(client): set, and never handed back in clear")
            #expect(value("ssl.ca.location") == LocalStack.postgresCAFile, "\(client)")
            #expect(value("ssl.endpoint.identification.algorithm") == "https", "\(client)")
        }
        // Helio's own guarantees stay in place next to them.
        #expect(producer.effectiveProperty("enable.idempotence") == "true")
        #expect(consumer.effectiveProperty("enable.auto.commit") == "false")
        consumer.close()
    }

    @Test("the SASL password can come from a file (HELIO_KAFKA_PROPERTY_SASL_PASSWORD_FILE) and reaches the client")
    func passwordFromFile() throws {
        let path = NSTemporaryDirectory() + "helio-kafka-password-\(UUID().uuidString)"
        try "kafka-secret-from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var environment = Self.environment
        environment["HELIO_KAFKA_PROPERTY_SASL_PASSWORD"] = nil
        environment["HELIO_KAFKA_PROPERTY_SASL_PASSWORD_FILE"] = path
        let config = try HelioConfiguration.fromEnvironment(environment)
        #expect(config.kafkaProperties["sasl.password"] == "kafka-secret-from-file")
        #expect(config.kafkaProperties["sasl.password.file"] == nil, "the _FILE suffix is not a property of its own")
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: config.kafkaBrokers!, overrides: config.kafkaProperties),
                                         logger: Logger(label: "test.kafka"))
        #expect(producer.effectiveProperty("sasl.password") == "***")
    }

    @Test("a CA file librdkafka cannot load stops the client at creation, with the property named")
    func unreadableCertificateAuthority() throws {
        var environment = Self.environment
        environment["HELIO_KAFKA_PROPERTY_SSL_CA_LOCATION"] = "/nonexistent/kafka-ca.crt"
        let config = try HelioConfiguration.fromEnvironment(environment)
        let error = #expect(throws: KafkaError.self) {
            try KafkaProducer(properties: KafkaProducer.defaults(brokers: config.kafkaBrokers!, overrides: config.kafkaProperties),
                              logger: Logger(label: "test.kafka"))
        }
        #expect(error?.message.contains("ssl.ca.location") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("kafka-secret-123") == false)
    }
}
