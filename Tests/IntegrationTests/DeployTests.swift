import Foundation
import HelioApply
import HelioCapture
import HelioServer
import HelioTestSupport
import Testing

/// What can be checked of the deployment files without a container engine or a cluster.
@Suite("Deploy artifacts", .serialized)
struct DeployTests {
    static let root = LocalStack.repositoryRoot

    static func python(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try run("/usr/bin/env", ["python3", "-c", script] + arguments)
    }

    /// Runs a program to its end: its exit status and what it wrote to stdout and stderr.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("every YAML file parses and every JSON file parses")
    func filesParse() throws {
        let files = ["deploy/compose/docker-compose.yml", "deploy/monitoring/helio-alerts.yml"]
            + ["apply", "apply-hpa.example", "capture", "configmap", "jobs.example", "secret.example"].map { "deploy/kubernetes/\($0).yaml" }
        let script = """
            import json, sys, yaml
            for path in sys.argv[1:]:
                with open(path) as f:
                    if path.endswith('.json'): json.load(f)
                    else: list(yaml.safe_load_all(f))
            print('ok')
            """
        let result = try Self.python(script, (files + ["deploy/monitoring/helio-dashboard.json"]).map { Self.root.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("the compose file runs PostgreSQL with logical WAL, Kafka in KRaft mode and both Helio services")
    func composeStructure() throws {
        let script = """
            import sys, yaml
            c = yaml.safe_load(open(sys.argv[1]))
            s = c['services']
            text = yaml.dump(c)
            assert 'wal_level=logical' in text, 'source without wal_level=logical'
            assert any('kafka' in (v.get('image') or '') for v in s.values()), 'no Kafka image'
            assert 'KAFKA_PROCESS_ROLES' in text, 'Kafka not in KRaft mode'
            cmds = ' '.join(str(v.get('command', '')) for v in s.values())
            assert 'capture' in cmds and 'apply' in cmds, 'capture and apply services missing'
            print('ok')
            """
        let result = try Self.python(script, [Self.root.appendingPathComponent("deploy/compose/docker-compose.yml").path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("the Dockerfile's final stage runs as a non-root user")
    func dockerfileNonRoot() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/docker/Dockerfile"), encoding: .utf8)
        let user = text.split(separator: "\n").last { $0.hasPrefix("USER ") }
        #expect(user != nil && !(user!.contains("root")) && user != "USER 0", "\(String(describing: user))")
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }.count >= 2, "multi-stage")
    }

    @Test("systemd units take secrets through LoadCredential, never inline")
    func systemdCredentials() throws {
        for unit in ["helio-capture@.service", "helio-apply.service"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/systemd/\(unit)"), encoding: .utf8)
            #expect(text.contains("LoadCredential="), "\(unit)")
            // Comments may show the shape of a credential file; settings must not carry one.
            let settings = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
            #expect(settings.range(of: "://[^/\\s:]+:[^@\\s]+@", options: .regularExpression) == nil,
                    "\(unit) must not hold a connection URL with credentials")
        }
    }

    @Test("every helio_* metric the dashboard and the alerts use is served on /metrics")
    func metricNamesExist() throws {
        let registry = OperatorServer.bootstrapMetrics()
        let capture = CaptureMetrics()
        capture.exerciseForExport()
        let apply = ApplyMetrics()
        apply.exerciseForExport()
        OperatorServer.markUp()
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let exported = String(decoding: buffer, as: UTF8.self)
        var used = Set<String>()
        for file in ["deploy/monitoring/helio-dashboard.json", "deploy/monitoring/helio-alerts.yml"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: "helio_[a-z_]+")
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                used.insert(String(text[Range(match.range, in: text)!]))
            }
        }
        #expect(!used.isEmpty)
        for name in used.sorted() {
            #expect(exported.contains(name), "\(name) is used by deploy/monitoring but not exported")
        }
    }
}
