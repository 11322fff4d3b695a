@testable import HelioOps
import Testing

/// `capture.debezium_schemas`: the debezium form with Kafka Connect's JSON schemas, from the
/// variable, the flag, or a connector's `key/value.converter.schemas.enable`.
@Suite("Configuration: capture.debezium_schemas")
struct DebeziumSchemasKeyTests {
    static let connector = """
        connector.class=io.debezium.connector.postgresql.PostgresConnector
        topic.prefix=shop
        key.converter=org.apache.kafka.connect.json.JsonConverter
        value.converter=org.apache.kafka.connect.json.JsonConverter
        """

    @Test("off by default; on from the variable or the flag, with the debezium form")
    func values() throws {
        #expect(HelioConfiguration().debeziumSchemas == false)
        let loaded = try load(environment: ["HELIO_COMPATIBILITY": "debezium", "HELIO_DEBEZIUM_SCHEMAS": "true"])
        #expect(loaded.configuration.debeziumSchemas)
        #expect(loaded.origin(of: "capture.debezium_schemas") == .environment(name: "HELIO_DEBEZIUM_SCHEMAS"))
        try loaded.configuration.checkDebeziumValueModes()
        let flags = try load(flags: ["capture.compatibility": "debezium", "capture.debezium_schemas": "true"])
        #expect(flags.configuration.debeziumSchemas)
        #expect(HelioConfiguration.key("capture.debezium_schemas")?.flag == "debezium-schemas")
    }

    @Test("with Helio's own form it is an error with advice")
    func onlyWithTheDebeziumForm() throws {
        let helio = try load(environment: ["HELIO_DEBEZIUM_SCHEMAS": "true"]).configuration
        #expect(throws: ConfigurationError.self) { try helio.checkDebeziumValueModes() }
        do {
            try helio.checkDebeziumValueModes()
        } catch {
            #expect("\(error)".contains("capture.debezium_schemas: true") && "\(error)".contains("HELIO_COMPATIBILITY=debezium"), "\(error)")
        }
    }

    @Test("key.converter.schemas.enable and value.converter.schemas.enable set it; both true, both false, or one of them")
    func fromConnectorProperties() throws {
        for (lines, expected) in [("key.converter.schemas.enable=true\nvalue.converter.schemas.enable=TRUE", true),
                                  ("key.converter.schemas.enable=false\nvalue.converter.schemas.enable=false", false),
                                  ("value.converter.schemas.enable=true", true), ("", false)] {
            var loaded = try load()
            try loaded.overlay(DebeziumConnectorMapping(text: Self.connector + "\n" + lines, file: "connector.properties"))
            #expect(loaded.configuration.debeziumSchemas == expected, "\(lines)")
            #expect(loaded.configuration.compatibility == .debezium)
            try loaded.configuration.checkDebeziumValueModes()
        }
    }

    @Test("keys and values in different forms are refused, naming both keys and their lines")
    func disagreementRefused() {
        let text = Self.connector + "\nkey.converter.schemas.enable=false\nvalue.converter.schemas.enable=true"
        do {
            _ = try DebeziumConnectorMapping(text: text, file: "connector.properties")
            Issue.record("keys without schemas and values with them were accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("value.converter.schemas.enable") && message.contains("key.converter.schemas.enable")
                    && message.contains("line 5") && message.contains("line 6") && message.contains("give both the same value"), "\(message)")
        }
        do {
            _ = try DebeziumConnectorMapping(text: Self.connector + "\nkey.converter.schemas.enable=yes", file: "connector.properties")
            Issue.record("schemas.enable=yes was accepted")
        } catch {
            #expect("\(error)".contains("true or false"), "\(error)")
        }
    }
}
