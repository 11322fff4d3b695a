import Foundation
@testable import HelioOps
import Testing

@Suite("Configuration: file, environment and flags")
struct ConfigurationPrecedenceTests {
    @Test("a flag wins over the environment, which wins over the file, which wins over the default")
    func precedence() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("helio.yaml", """
            apply:
              batch_size: 100
              group_id: from-file
            capture:
              slot: file_slot
            """)
        let environment = ["HELIO_BATCH_SIZE": "200", "HELIO_SLOT": "env_slot"]
        let flags = ["apply.batch_size": "300"]

        let all = try load(file: file, environment: environment, flags: flags)
        #expect(all.configuration.batchSize == 300)
        #expect(all.origin(of: "apply.batch_size") == .flag(name: "--batch-size"))
        #expect(all.configuration.slot == "env_slot")
        #expect(all.origin(of: "capture.slot") == .environment(name: "HELIO_SLOT"))
        #expect(all.configuration.groupID == "from-file")
        #expect(all.origin(of: "apply.group_id") == .file(key: "apply.group_id"))
        #expect(all.configuration.timezone == "America/Sao_Paulo")
        #expect(all.origin(of: "apply.timezone") == .defaultValue)

        #expect(try load(file: file, environment: environment).configuration.batchSize == 200)
        #expect(try load(file: file).configuration.batchSize == 100)
        #expect(try load().configuration.batchSize == 20_000)
    }

    @Test("HELIO_CONFIG_FILE names the file; --config wins over it")
    func fileFromEnvironment() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let named = try scratch.write("named.yaml", "topics:\n  prefix: named\n")
        let given = try scratch.write("given.yaml", "topics:\n  prefix: given\n")
        let fromVariable = try load(environment: ["HELIO_CONFIG_FILE": named])
        #expect(fromVariable.configuration.topicPrefix == "named")
        #expect(fromVariable.fileOrigin == .environment(name: "HELIO_CONFIG_FILE"))
        let fromFlag = try load(file: given, environment: ["HELIO_CONFIG_FILE": named])
        #expect(fromFlag.configuration.topicPrefix == "given")
        #expect(fromFlag.fileOrigin == .flag(name: "--config"))
    }

    @Test("every kind of value reads from YAML: numbers, booleans, lists as sequences or strings, settings as a mapping")
    func yamlShapes() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("helio.yaml", """
            topics:
              partitions: 8
              config:
                retention.ms: -1
                compression.type: zstd
            capture:
              tables: [users, public.units, audit.events]
              full_image_tables: "users, units"
              snapshot: no
              heartbeat_interval_seconds: 2.5
            log:
              format: text
              max_bytes: 1_048_576
            apply:
              timezone:
            """)
        let config = try load(file: file).configuration
        #expect(config.topicPartitions == 8)
        #expect(config.topicConfiguration == ["retention.ms": "-1", "compression.type": "zstd"])
        #expect(config.tables == ["public.users", "public.units", "audit.events"])
        #expect(config.fullImageTables == ["public.users", "public.units"])
        #expect(config.snapshotOnCreate == false)
        #expect(config.heartbeatIntervalSeconds == 2.5)
        #expect(config.logFormat == .text)
        #expect(config.logMaxBytes == 1_048_576)
        #expect(config.timezone == "America/Sao_Paulo", "a key with no value is unset, as an empty variable is")
    }

    @Test("librdkafka properties merge one at a time: a flag over a variable over the file")
    func kafkaProperties() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("helio.yaml", """
            kafka:
              brokers: kafka1:9093
              properties:
                security.protocol: SSL
                linger.ms: 5
                client.id: from-file
            """)
        let loaded = try load(file: file, environment: ["HELIO_KAFKA_PROPERTY_LINGER_MS": "10"], kafkaProperties: ["client.id=from-flag"])
        #expect(loaded.configuration.kafkaProperties == ["security.protocol": "SSL", "linger.ms": "10", "client.id": "from-flag"])
        #expect(loaded.origin(of: "kafka.properties.security.protocol") == .file(key: "kafka.properties.security.protocol"))
        #expect(loaded.origin(of: "kafka.properties.linger.ms") == .environment(name: "HELIO_KAFKA_PROPERTY_LINGER_MS"))
        #expect(loaded.origin(of: "kafka.properties.client.id") == .flag(name: "--kafka-property client.id"))
    }

    @Test("every existing environment name still sets its value")
    func environmentNames() throws {
        let environment = [
            "HELIO_SOURCE_URL": "postgresql://a@h/s", "HELIO_WAREHOUSE_URL": "postgresql://b@h/w", "HELIO_KAFKA_BROKERS": "k:1",
            "HELIO_TOPIC_PREFIX": "p", "HELIO_SLOT": "s", "HELIO_PUBLICATION": "pub", "HELIO_TABLES": "a,b",
            "HELIO_FULL_IMAGE_TABLES": "a", "HELIO_TOPIC_PARTITIONS": "3", "HELIO_TOPIC_REPLICATION_FACTOR": "2",
            "HELIO_SPOOL_DIR": "/spool", "HELIO_DECODING_WORK_MEM": "256MB", "HELIO_HEARTBEAT_INTERVAL_SECONDS": "0",
            "HELIO_GROUP_ID": "g", "HELIO_SCD_CONFIG": "{}", "HELIO_TOPIC_CONFIG": "retention.ms=1000", "HELIO_TIMEZONE": "UTC",
            "HELIO_SAMPLE_MINUTES": "5", "HELIO_BATCH_SIZE": "7", "HELIO_BATCH_WAIT_MS": "9", "HELIO_PII_KEY": "k3y-value",
            "HELIO_METRICS_ADDR": "off", "HELIO_LOG_LEVEL": "debug", "HELIO_LOG_FORMAT": "text", "HELIO_SNAPSHOT": "never",
            "HELIO_KAFKA_PROPERTY_SASL_MECHANISM": "PLAIN",
        ]
        let config = try HelioConfiguration.fromEnvironment(environment)
        #expect(config.sourceURL == "postgresql://a@h/s" && config.warehouseURL == "postgresql://b@h/w" && config.kafkaBrokers == "k:1")
        #expect(config.topicPrefix == "p" && config.slot == "s" && config.publication == "pub")
        #expect(config.tables == ["public.a", "public.b"] && config.fullImageTables == ["public.a"])
        #expect(config.topicPartitions == 3 && config.topicReplicationFactor == 2 && config.spoolDirectory == "/spool")
        #expect(config.decodingWorkMem == "256MB" && config.heartbeatIntervalSeconds == 0 && config.groupID == "g")
        #expect(config.scdConfiguration == "{}" && config.topicConfiguration == ["retention.ms": "1000"] && config.timezone == "UTC")
        #expect(config.sampleMinutes == 5 && config.batchSize == 7 && config.batchWaitMilliseconds == 9 && config.piiKey == "k3y-value")
        #expect(config.metricsAddress == "off" && config.logLevel == "debug" && config.logFormat == .text)
        #expect(config.snapshotOnCreate == false && config.kafkaProperties == ["sasl.mechanism": "PLAIN"])
    }

    @Test("an empty variable counts as unset")
    func emptyIsUnset() throws {
        let loaded = try load(environment: ["HELIO_SLOT": "", "HELIO_BATCH_SIZE": ""])
        #expect(loaded.configuration.slot == "helio")
        #expect(loaded.origin(of: "capture.slot") == .defaultValue)
    }
}
