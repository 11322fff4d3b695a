import Foundation
import HelioKafka
import HelioOps
import HelioTestSupport
import Testing

/// The exit statuses of docs/operations.md ("Exit codes") as the built binary gives them. A
/// configuration error must exit 64: the systemd units stop restarting on 64
/// (`RestartPreventExitStatus=64`) and would restart a 70 forever.
@Suite("Exit codes (the built binary)", .serialized)
struct ExitCodeTests {
    /// Enough to get past the required settings; nothing here is reached.
    static let unreachable = [
        "HELIO_SOURCE_URL": "postgresql://helio@127.0.0.1:1/solar",
        "HELIO_WAREHOUSE_URL": "postgresql://helio@127.0.0.1:1/warehouse",
        "HELIO_KAFKA_BROKERS": "127.0.0.1:1",
        "HELIO_PII_KEY": "exit-code-test",
        "HELIO_METRICS_ADDR": "off",
        "HELIO_SCHEDULE_ENABLED": "false",
    ]

    @Test("a librdkafka property it does not know or a value it refuses: exit 64, naming the key and where it was set",
          arguments: ["capture", "apply", "run", "verify"])
    func refusedProperty(command: String) throws {
        var environment = Self.unreachable
        environment["HELIO_KAFKA_PROPERTY_ACKS"] = "banana"
        let bad = try ConfigCheckTests.helio([command], environment: environment)
        #expect(bad.status == HelioExit.configuration, "\(bad.output)")
        #expect(bad.output.contains("configuration: kafka.properties.acks (environment HELIO_KAFKA_PROPERTY_ACKS) 'banana' is refused by librdkafka"),
                "\(bad.output)")
        #expect(bad.output.contains("correct or remove it"), "\(bad.output)")

        let unknown = try ConfigCheckTests.helio([command, "--kafka-property", "no.such.property=1"], environment: Self.unreachable)
        #expect(unknown.status == HelioExit.configuration, "\(unknown.output)")
        #expect(unknown.output.contains("kafka.properties.no.such.property (flag --kafka-property no.such.property)"), "\(unknown.output)")
        #expect(unknown.output.contains("No such configuration property"), "\(unknown.output)")
    }

    @Test("a secret property's value is never echoed when librdkafka refuses it")
    func secretNotEchoed() throws {
        // sasl.password takes any text; a property that names it and is unknown stands in.
        let result = try ConfigCheckTests.helio(["capture", "--kafka-property", "sasl.password.typo=hunter2-kafka"],
                                                environment: Self.unreachable)
        #expect(result.status == HelioExit.configuration, "\(result.output)")
        #expect(!result.output.contains("hunter2-kafka"), "\(result.output)")
    }

    @Test("properties librdkafka accepts one by one but cannot make a client from: exit 64, not 70")
    func clientRefused() throws {
        // Both are refused by rd_kafka_new, after every single property was accepted.
        let cases = [
            ["HELIO_KAFKA_PROPERTY_SECURITY_PROTOCOL": "SSL", "HELIO_KAFKA_PROPERTY_SSL_CA_LOCATION": "/nonexistent/kafka-ca.crt"],
            ["HELIO_KAFKA_PROPERTY_ACKS": "1"],   // capture's producer is idempotent: acks must be all
        ]
        for properties in cases {
            let result = try ConfigCheckTests.helio(["capture"], environment: Self.unreachable.merging(properties) { $1 })
            #expect(result.status == HelioExit.configuration, "\(properties): \(result.output)")
            #expect(result.output.contains("configuration: Kafka: could not create the Kafka client"), "\(result.output)")
            #expect(result.output.contains("correct or remove the librdkafka property"), "\(result.output)")
        }
    }

    /// Tansu, the local broker, creates a topic with any replication factor or setting, so the
    /// broker's refusal cannot be provoked here: this checks how its answer is classified.
    @Test("a topic the broker refuses for its settings (replication factor, config) is a configuration error; a timeout is not")
    func topicSettingsRefused() {
        let replicas = KafkaError.topicRefused("solar.public.users", code: 38, message: "Replication factor: 3 larger than available brokers: 1.")
        #expect(replicas.isConfiguration)
        #expect("\(replicas)" == "configuration: Kafka: could not create topic solar.public.users: Replication factor: 3 larger than available brokers: 1.")
        for code: Int32 in [37, 39, 40, 44] { #expect(KafkaError.topicRefused("t", code: code, message: "").isConfiguration, "\(code)") }
        for code: Int32 in [7, 41, 29] { #expect(!KafkaError.topicRefused("t", code: code, message: "").isConfiguration, "\(code)") }
    }

    /// Runs the built helio with `environment` only; stops it after `seconds` (the old failure
    /// here was reconnecting forever).
    static func run(_ arguments: [String], environment: [String: String], seconds: Double = 60) throws -> (status: Int32?, output: String) {
        let log = NSTemporaryDirectory() + "helio-exit-code-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var clean = environment
        clean["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        clean["LD_LIBRARY_PATH"] = LocalStack.repositoryRoot.appendingPathComponent(".local/lib").path
        let helio = try launchHelio(arguments, environment: clean, log: log)
        let deadline = Date().addingTimeInterval(seconds)
        while helio.isRunning && Date() < deadline { usleep(100_000) }
        let timedOut = helio.isRunning
        if timedOut { helio.terminate(); helio.waitUntilExit() }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (timedOut ? nil : helio.terminationStatus, output)
    }

    @Test("a server setting PostgreSQL refuses at connect (HELIO_DECODING_WORK_MEM=banana): exit 64 naming it, not endless reconnects")
    func refusedServerSetting() throws {
        let env = try TestEnvironment("exitworkmem")
        defer { env.drop() }
        var environment = HelioProcess.environment(env.configuration())
        environment["HELIO_DECODING_WORK_MEM"] = "banana"
        environment["HELIO_METRICS_ADDR"] = "off"
        environment["HELIO_SCHEDULE_ENABLED"] = "false"
        let result = try Self.run(["capture"], environment: environment)
        #expect(result.status == HelioExit.configuration, "\(result.output.suffix(2000))")
        #expect(result.output.contains("invalid value for parameter") && result.output.contains("logical_decoding_work_mem"),
                "\(result.output.suffix(2000))")
        #expect(result.output.contains("correct capture.decoding_work_mem (HELIO_DECODING_WORK_MEM"), "\(result.output.suffix(2000))")
        #expect(!result.output.contains("reconnecting"), "a refused setting is not a lost connection")
    }

    @Test("a connection URL libpq cannot parse: exit 64 with the advice, not endless reconnects")
    func unparsableURL() throws {
        let stack = try LocalStack.fromEnvironment()
        let name = "texiturl\(UInt32.random(in: 0..<UInt32.max))"
        let environment = [
            "HELIO_SOURCE_URL": "postgresql://helio_capture:hunter2%zz@127.0.0.1:1/solar",
            "HELIO_KAFKA_BROKERS": stack.brokers,
            "HELIO_TOPIC_PREFIX": name, "HELIO_SLOT": name, "HELIO_PUBLICATION": name,
            "HELIO_SPOOL_DIR": NSTemporaryDirectory() + name,
            "HELIO_METRICS_ADDR": "off", "HELIO_SCHEDULE_ENABLED": "false",
        ]
        defer { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + name) }
        let result = try Self.run(["capture"], environment: environment)
        #expect(result.status == HelioExit.configuration, "\(result.output.suffix(2000))")
        #expect(result.output.contains("percent-encode special characters"), "\(result.output.suffix(2000))")
        #expect(!result.output.contains("hunter2"), "the password is never echoed")
    }
}
