@testable import HelioOps
import Testing

@Suite("Configuration: capture.compatibility")
struct CompatibilityKeyTests {
    @Test("helio by default; debezium from the variable, the flag or the file key")
    func values() throws {
        #expect(HelioConfiguration().compatibility == .helio)
        let fromVariable = try HelioConfiguration.load(ConfigurationSources(environment: ["HELIO_COMPATIBILITY": "debezium"]))
        #expect(fromVariable.configuration.compatibility == .debezium)
        #expect(fromVariable.origin(of: "capture.compatibility") == .environment(name: "HELIO_COMPATIBILITY"))
        let fromFlag = try HelioConfiguration.load(ConfigurationSources(environment: [:], flags: ["capture.compatibility": "Debezium"]))
        #expect(fromFlag.configuration.compatibility == .debezium)
        #expect(HelioConfiguration.key("capture.compatibility")?.flag == "compatibility")
    }

    @Test("another value is refused, naming the choices")
    func refused() {
        do {
            _ = try HelioConfiguration.load(ConfigurationSources(environment: ["HELIO_COMPATIBILITY": "kafka-connect"]))
            Issue.record("kafka-connect was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("capture.compatibility") && text.contains("helio, debezium") && text.contains("kafka-connect"), "\(text)")
        }
    }
}
