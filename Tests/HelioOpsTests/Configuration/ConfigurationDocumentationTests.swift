import Foundation
@testable import HelioOps
import Testing

/// docs/configuration.md is checked against the key table, so a key cannot be added, renamed
/// or given another default without its documentation following.
@Suite("Configuration: documentation and example file")
struct ConfigurationDocumentationTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("every key has a row in docs/configuration.md with its variable, flag and default")
    func everyKeyDocumented() throws {
        let lines = try Self.read("docs/configuration.md").split(separator: "\n").map(String.init)
        for key in HelioConfiguration.keys {
            let row = lines.first { $0.hasPrefix("| `\(key.path)`") }
            #expect(row != nil, "docs/configuration.md has no row starting | `\(key.path)`")
            guard let row else { continue }
            #expect(row.contains("`\(key.environmentName)`"), "\(key.path): the row does not name \(key.environmentName)")
            #expect(row.contains("`--\(key.flag)`"), "\(key.path): the row does not name --\(key.flag)")
            if let defaultText = key.defaultText, !key.isSecret {
                #expect(row.contains("`\(defaultText)`"), "\(key.path): the row does not give the default `\(defaultText)`")
            }
        }
    }

    @Test("every key the documentation lists exists")
    func noStaleRows() throws {
        // The Debezium section's tables list Debezium's keys, not Helio's (DebeziumPropertiesTests checks them).
        let documented = try Self.withoutDebeziumSection(Self.read("docs/configuration.md")).split(separator: "\n")
            .filter { $0.hasPrefix("| `") }
            .compactMap { $0.dropFirst(3).split(separator: "`").first.map(String.init) }
            .filter { $0.contains(".") && !$0.hasPrefix("HELIO_") }
        for path in documented {
            #expect(HelioConfiguration.key(path) != nil, "docs/configuration.md documents \(path), which is not a key")
        }
    }

    static func withoutDebeziumSection(_ text: String) -> String {
        guard let start = text.range(of: "\n## Debezium connector properties\n") else { return text }
        let end = text.range(of: "\n## ", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        return String(text[..<start.lowerBound] + text[end...])
    }

    @Test("the example file deploy/helio.example.yaml is valid and sets every key")
    func exampleFileLoads() throws {
        // Its secrets are files under /run/secrets/helio/: made here, in a scratch directory.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let example = try Self.read("deploy/helio.example.yaml")
        for name in ["source-url", "warehouse-url", "kafka-password", "pii-key"] { try scratch.write(name, "secret-\(name)") }
        try scratch.write("alert-webhook-url", "https://hooks.example.com/secret-token")
        let path = try scratch.write("helio.yaml", example.replacingOccurrences(of: "/run/secrets/helio/", with: scratch.path + "/"))
        let loaded = try HelioConfiguration.load(ConfigurationSources(filePath: path, environment: [:]))
        #expect(loaded.configuration.piiKey == "secret-pii-key")
        #expect(loaded.configuration.kafkaProperties["sasl.password"] == "secret-kafka-password")
        let sections = Set(HelioConfiguration.keys.map { String($0.path.split(separator: ".")[0]) })
        let fromFile = Set(loaded.origins.filter { if case .file = $0.value { true } else { false } }.keys.map { String($0.split(separator: ".")[0]) })
        #expect(sections.subtracting(fromFile).isEmpty, "sections the example does not show: \(sections.subtracting(fromFile).sorted())")
        // Every key, not only every section: the file is where a user looks first.
        let keys = Set(HelioConfiguration.keys.map(\.path))
        let set = Set(loaded.origins.filter { if case .file = $0.value { true } else { false } }.keys)
        // (a map key such as kafka.properties shows as its entries: kafka.properties.<name>)
        let missing = keys.filter { key in !set.contains(key) && !set.contains { $0.hasPrefix(key + ".") } }
        #expect(missing.isEmpty, "keys deploy/helio.example.yaml does not show: \(missing.sorted())")
    }
}
