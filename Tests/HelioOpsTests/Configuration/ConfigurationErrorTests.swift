import Foundation
@testable import HelioOps
import Testing

@Suite("Configuration: unknown keys and bad values")
struct ConfigurationErrorTests {
    @Test("an unknown key in the file is an error naming it, with the key it probably meant")
    func unknownKeys() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let typo = try scratch.write("typo.yaml", "apply:\n  batchsize: 500\n")
        let message = loadFailure(file: typo) ?? ""
        #expect(message.contains("apply.batchsize"), "\(message)")
        #expect(message.contains("did you mean 'apply.batch_size'"), "\(message)")
        #expect(message.contains("\(typo) line 2"), "\(message)")

        let flat = try scratch.write("flat.yaml", "batch_size: 500\n")
        #expect(loadFailure(file: flat)?.contains("did you mean 'apply.batch_size'") == true)

        let variableName = try scratch.write("variable.yaml", "HELIO_SLOT: helio\n")
        #expect(loadFailure(file: variableName)?.contains("did you mean 'capture.slot'") == true)

        let section = try scratch.write("section.yaml", "nonsense:\n  key: 1\n")
        let sectionMessage = loadFailure(file: section) ?? ""
        #expect(sectionMessage.contains("nonsense") && sectionMessage.contains("is not a configuration key"), "\(sectionMessage)")
    }

    @Test("a bad value names the key and its source, and quotes the value when it is not secret")
    func badValues() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let environment = loadFailure(environment: ["HELIO_BATCH_SIZE": "lots"]) ?? ""
        #expect(environment.contains("apply.batch_size") && environment.contains("environment HELIO_BATCH_SIZE") && environment.contains("'lots'"),
                "\(environment)")

        let file = try scratch.write("helio.yaml", "log:\n  format: xml\n")
        let fromFile = loadFailure(file: file) ?? ""
        #expect(fromFile.contains("log.format") && fromFile.contains("file \(file), key log.format") && fromFile.contains("one of auto, json, text"),
                "\(fromFile)")

        let flag = loadFailure(flags: ["topics.partitions": "0"]) ?? ""
        #expect(flag.contains("topics.partitions") && flag.contains("flag --topic-partitions") && flag.contains("from 1"), "\(flag)")

        let shape = try scratch.write("shape.yaml", "capture:\n  slot: [a, b]\n")
        #expect(loadFailure(file: shape)?.contains("capture.slot") == true)
    }

    @Test("a bad secret value is never echoed, nor a value read from a file")
    func badSecretValues() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let webhook = loadFailure(environment: ["HELIO_ALERT_WEBHOOK_URL": "ftp://tok3n-s3cret@hooks.internal/x"]) ?? ""
        #expect(webhook.contains("alerts.webhook_url") && webhook.contains("HELIO_ALERT_WEBHOOK_URL"), "\(webhook)")
        #expect(!webhook.contains("tok3n-s3cret"), "\(webhook)")

        let secretFile = try scratch.write("batch", "s3cret-not-a-number")
        let fromFile = loadFailure(environment: ["HELIO_BATCH_SIZE_FILE": secretFile]) ?? ""
        #expect(fromFile.contains("apply.batch_size") && fromFile.contains("HELIO_BATCH_SIZE_FILE"), "\(fromFile)")
        #expect(!fromFile.contains("s3cret-not-a-number"), "\(fromFile)")

        let listed = try scratch.write("list.yaml", "source:\n  url: [postgresql://u:hunter2@h/db]\n")
        let shape = loadFailure(file: listed) ?? ""
        #expect(shape.contains("source.url") && !shape.contains("hunter2"), "\(shape)")

        let broken = try scratch.write("broken.yaml", "source:\n  url: postgresql://u:hunter2@h/db\n  other: [unclosed\n")
        let syntax = loadFailure(file: broken) ?? ""
        #expect(syntax.contains("is not valid YAML") && syntax.contains("line"), "\(syntax)")
        #expect(!syntax.contains("hunter2"), "\(syntax)")
    }

    @Test("a missing required value names every way to set it")
    func missingValue() {
        let config = HelioConfiguration()
        let error = #expect(throws: ConfigurationError.self) { try config.require(config.sourceURL, "HELIO_SOURCE_URL") }
        let message = error.map { "\($0)" } ?? ""
        for way in ["HELIO_SOURCE_URL", "source.url", "source.url_file", "HELIO_SOURCE_URL_FILE", "--source-url"] {
            #expect(message.contains(way), "\(message)")
        }
    }
}
