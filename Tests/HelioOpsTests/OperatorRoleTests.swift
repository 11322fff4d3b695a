import HelioOps
import Testing

/// capture and apply as two systemd units on one host share /etc/helio/helio.env: with one
/// default port the second to start could not bind it and stopped with exit 64.
@Suite("Operator endpoint: the default address per command")
struct OperatorRoleTests {
    static func load(_ environment: [String: String]) throws -> HelioConfiguration {
        try HelioConfiguration.load(ConfigurationSources(environment: environment)).configuration
    }

    @Test("unset, capture and apply get different ports; run keeps capture's")
    func defaultsDiffer() throws {
        let config = try Self.load([:])
        #expect(config.metricsAddress == nil)
        #expect(config.metricsAddress(for: .capture) == "127.0.0.1:9464")
        #expect(config.metricsAddress(for: .apply) == "127.0.0.1:9465")
        #expect(config.metricsAddress(for: .run) == "127.0.0.1:9464")
        #expect(config.metricsAddress(for: .capture) != config.metricsAddress(for: .apply))
    }

    @Test("a set HELIO_METRICS_ADDR (or off) is every command's address")
    func setAddressWins() throws {
        for value in ["0.0.0.0:9464", "off"] {
            let config = try Self.load(["HELIO_METRICS_ADDR": value])
            for role in OperatorRole.allCases {
                #expect(config.metricsAddress(for: role) == value, "\(role)")
            }
        }
    }

    @Test("config check shows both defaults, since no single command owns the key")
    func shownDefault() throws {
        let key = try #require(HelioConfiguration.key("metrics.address"))
        #expect(key.defaultText == "127.0.0.1:9464 (capture, run), 127.0.0.1:9465 (apply)")
    }
}
