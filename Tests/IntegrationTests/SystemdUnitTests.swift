import Foundation
import HelioOps
import HelioTestSupport
import Testing

/// deploy/systemd/ as an operator installs it, checked without a running systemd.
@Suite("systemd units")
struct SystemdUnitTests {
    static let units = ["helio-capture@.service", "helio-apply.service"]

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

    @Test("the shared helio.env leaves HELIO_METRICS_ADDR unset; apply keeps its default port, each capture instance takes its name")
    func sharedEnvironmentLeavesThePortsApart() throws {
        let settings = try Self.read("helio.env").split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!settings.contains { $0.hasPrefix("HELIO_METRICS_ADDR=") }, "\(settings)")
        #expect(!(try Self.read("helio-apply.service")).contains("HELIO_METRICS_ADDR"), "apply would override its default port")
        #expect(try Self.read("helio-capture@.service").contains("\nEnvironment=HELIO_METRICS_ADDR=127.0.0.1:%i\n"),
                "two capture instances on one host need two ports")
    }

    /// Issue #13 item 1: the systemd example runs two captures of one slot, one streaming, one standing by.
    @Test("the capture template stands by behind another instance and shares its user and spool with it")
    func captureTemplateRunsTwo() throws {
        let text = try Self.read("helio-capture@.service")
        #expect(text.contains("\nEnvironment=HELIO_CAPTURE_STANDBY=true\n"))
        #expect(text.contains("\nDynamicUser=yes\n") && text.contains("\nUser=helio-capture\n"), "one dynamic user for every instance")
        #expect(text.contains("\nStateDirectory=helio-capture\n") && !text.contains("StateDirectory=helio-capture-%i"), "one spool for every instance")
        #expect(text.contains("systemctl daemon-reload && systemctl enable --now helio-capture@9464 helio-capture@9466"), "the install line starts two")
        #expect(HelioConfiguration.key(environmentName: "HELIO_CAPTURE_STANDBY")?.path == "capture.standby")
    }

    @Test("systemd-analyze security rates both units below 2.0, at the score docs/operations.md states",
          .enabled(if: analyzer != nil, "systemd-analyze is not installed here (Debian: apt-get install systemd)"))
    func exposureBelowTwo() throws {
        let analyzer = try #require(Self.analyzer)
        let operations = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        for unit in Self.units {
            let path = LocalStack.repositoryRoot.appendingPathComponent("deploy/systemd/\(unit)").path
            let result = try DeployTests.run(analyzer, ["security", "--offline=true", "--no-pager", path])
            // (a template is analyzed as instance "i")
            let analyzed = unit.replacingOccurrences(of: "@.service", with: "@i.service")
            let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level for \(analyzed):") }
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
