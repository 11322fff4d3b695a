import Foundation
@testable import HelioOps
import Testing

@Suite("Configuration: secrets from files, and redaction")
struct ConfigurationSecretTests {
    @Test("`*_file` keys in YAML read the secret from the file they name")
    func yamlSecretFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let key = try scratch.write("pii-key", "  yaml-pii-s3cret\n")
        let url = try scratch.write("source-url", "postgresql://helio_capture:hunter2@db.internal:5432/solar\n")
        let password = try scratch.write("sasl-password", "kafka-pw-s3cret")
        let file = try scratch.write("helio.yaml", """
            source:
              url_file: \(url)
            apply:
              pii_key_file: \(key)
            kafka:
              properties:
                sasl.password_file: \(password)
            """)
        let loaded = try load(file: file)
        #expect(loaded.configuration.piiKey == "yaml-pii-s3cret", "trimmed of whitespace and newlines")
        #expect(loaded.configuration.sourceURL == "postgresql://helio_capture:hunter2@db.internal:5432/solar")
        #expect(loaded.configuration.kafkaProperties["sasl.password"] == "kafka-pw-s3cret")
        #expect(loaded.origin(of: "apply.pii_key") == .file(key: "apply.pii_key_file"))
        #expect(loaded.origin(of: "kafka.properties.sasl.password") == .file(key: "kafka.properties.sasl.password_file"))
    }

    @Test("`HELIO_*_FILE` variables read the secret; the plain variable wins; either wins over the file")
    func environmentSecretFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let key = try scratch.write("pii-key", "env-pii-s3cret\n")
        let password = try scratch.write("sasl-password", "env-kafka-pw")
        let file = try scratch.write("helio.yaml", "apply:\n  pii_key: yaml-direct\n")

        let fromFileVariable = try load(file: file, environment: ["HELIO_PII_KEY_FILE": key,
                                                                   "HELIO_KAFKA_PROPERTY_SASL_PASSWORD_FILE": password])
        #expect(fromFileVariable.configuration.piiKey == "env-pii-s3cret")
        #expect(fromFileVariable.origin(of: "apply.pii_key") == .environment(name: "HELIO_PII_KEY_FILE"))
        #expect(fromFileVariable.configuration.kafkaProperties == ["sasl.password": "env-kafka-pw"])

        let direct = try load(file: file, environment: ["HELIO_PII_KEY": "env-direct", "HELIO_PII_KEY_FILE": key])
        #expect(direct.configuration.piiKey == "env-direct")
        #expect(try load(file: file).configuration.piiKey == "yaml-direct")
    }

    @Test("an unreadable secret file names the key and the variable, not a value")
    func unreadableSecretFile() {
        let message = loadFailure(environment: ["HELIO_PII_KEY_FILE": "/nonexistent/pii-key"])
        #expect(message?.contains("apply.pii_key") == true, "\(message ?? "")")
        #expect(message?.contains("HELIO_PII_KEY_FILE") == true, "\(message ?? "")")
        #expect(message?.contains("/nonexistent/pii-key") == true, "the path is not a secret and helps: \(message ?? "")")
    }

    @Test("rows show URLs without their password, hidden secrets as set, and where each came from")
    func redactedRows() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("helio.yaml", """
            source:
              url: postgresql://helio_capture:hunter2@db.internal:5432/solar?sslmode=verify-full
            warehouse:
              url: host=wh user=helio_writer password='pa ss' dbname=warehouse
            apply:
              pii_key: pii-s3cret-value
            kafka:
              properties:
                sasl.password: kafka-s3cret
                sasl.username: helio
            """)
        let loaded = try load(file: file, environment: ["HELIO_ALERT_WEBHOOK_URL": "https://hooks.example.com/T0/B0/tok3n-s3cret"])
        let rows = Dictionary(uniqueKeysWithValues: loaded.rows.map { ($0.key, $0) })
        #expect(rows["source.url"]?.value == "postgresql://helio_capture:***@db.internal:5432/solar?sslmode=verify-full")
        #expect(rows["warehouse.url"]?.value == "host=wh user=helio_writer password=*** dbname=warehouse")
        #expect(rows["apply.pii_key"]?.value == "(set, redacted)")
        #expect(rows["kafka.properties.sasl.password"]?.value == "(set, redacted)")
        #expect(rows["kafka.properties.sasl.username"]?.value == "helio")
        #expect(rows["alerts.webhook_url"]?.value == "https://hooks.example.com/… (redacted)")
        #expect(rows["apply.batch_size"]?.origin == .defaultValue)
        let everything = loaded.rows.map { "\($0.key) \($0.value) \($0.origin)" }.joined(separator: "\n")
        for secret in ["hunter2", "pa ss", "pii-s3cret-value", "kafka-s3cret", "tok3n-s3cret"] {
            #expect(!everything.contains(secret), "\(secret) shown")
        }
    }

    @Test("the secret values a configuration holds, for scrubbing logs")
    func secretValues() throws {
        var config = HelioConfiguration()
        config.sourceURL = "postgresql://u:p%40ss@h/db"
        config.warehouseURL = "host=h password=wh-pass"
        config.piiKey = "the-pii-key"
        config.kafkaProperties = ["sasl.password": "kafka-pass", "client.id": "helio"]
        let secrets = Set(config.secretValues)
        #expect(secrets.isSuperset(of: ["p%40ss", "p@ss", "wh-pass", "the-pii-key", "kafka-pass"]))
        #expect(!secrets.contains("helio"))
    }
}
