import Foundation
import HelioOps
import HelioTestSupport
import Testing

/// deploy/systemd/ as an operator installs it, checked without a running systemd.
@Suite("systemd units")
struct SystemdUnitTests {
    static let units = ["helio-capture.service", "helio-apply.service"]

    static func read(_ name: String) throws -> String {
        try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("deploy/systemd/\(name)"), encoding: .utf8)
    }

    /// `systemd-analyze security --offline=` arrived in systemd 252 (Debian 12's).
    static let analyzer: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test("a configuration error is not restarted: RestartPreventExitStatus is HelioExit.configuration")
    func noRestartOnConfigurationError() throws {
        for unit in Self.units {
            let text = try Self.read(unit)
            #expect(text.contains("\nRestart=on-failure\n"), "\(unit)")
            #expect(text.contains("\nRestartPreventExitStatus=\(HelioExit.configuration)\n"), "\(unit)")
        }
    }

    @Test("the shared helio.env leaves HELIO_METRICS_ADDR unset, so capture and apply keep their own ports")
    func sharedEnvironmentLeavesThePortsApart() throws {
        let settings = try Self.read("helio.env").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!settings.contains { $0.hasPrefix("HELIO_METRICS_ADDR=") }, "\(settings)")
        for unit in Self.units {
            #expect(!(try Self.read(unit)).contains("HELIO_METRICS_ADDR"), "\(unit) would override the role's default port")
        }
    }

    @Test("systemd-analyze security rates both units below 2.0, at the score docs/operations.md states",
          .enabled(if: analyzer != nil, "systemd-analyze is not installed here (Debian: apt-get install systemd)"))
    func exposureBelowTwo() throws {
        let analyzer = try #require(Self.analyzer)
        let operations = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        for unit in Self.units {
            let path = LocalStack.repositoryRoot.appendingPathComponent("deploy/systemd/\(unit)").path
            let result = try DeployTests.run(analyzer, ["security", "--offline=true", "--no-pager", path])
            let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level for \(unit):") }
            let score = line.flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.map(String.init)
            #expect(score != nil, "no score for \(unit) (systemd-analyze older than 252?): \(result.output.suffix(400))")
            guard let score else { continue }
            #expect((Double(score) ?? 10) < 2.0, "\(unit): exposure \(score)")
            #expect(operations.contains("systemd-analyze security --offline=true deploy/systemd/\(unit)"), "\(unit): no command in the docs")
            let stated = NSRegularExpression.escapedPattern(for: "deploy/systemd/\(unit)") + " +# → " + NSRegularExpression.escapedPattern(for: score) + " "
            #expect(operations.range(of: stated, options: .regularExpression) != nil,
                    "docs/operations.md does not state \(unit)'s score \(score)")
        }
    }
}
