import Foundation
import HelioTestSupport
import Testing
import Yams

/// deploy/compose/ read as Docker Compose would read it (there is no Docker on the project's
/// machines): the quickstart's services are all there, and every file it mounts, every secret
/// it names and every scrape job Prometheus runs exists and agrees with the rest of the repo.
@Suite("Docker Compose quickstart")
struct ComposeQuickstartTests {
    typealias Object = [String: Any]
    static let folder = LocalStack.repositoryRoot.appendingPathComponent("deploy/compose")

    static func yaml(_ path: String) throws -> Object {
        let text = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? Object)
    }

    static var services: Object {
        get throws { try #require(try yaml("docker-compose.yml")["services"] as? Object) }
    }

    @Test("the quickstart runs Kafka, PostgreSQL with logical replication, capture, apply, Prometheus and Grafana")
    func services() throws {
        let services = try Self.services
        for name in ["source", "warehouse", "kafka", "capture", "apply", "prometheus", "grafana"] {
            #expect(services[name] != nil, "service \(name)")
        }
        let source = try #require(services["source"] as? Object)
        #expect((source["command"] as? [Any])?.contains { "\($0)" == "wal_level=logical" } == true)
        // capture and apply inherit the image, build and health check through the YAML merge key
        for name in ["capture", "apply"] {
            let service = try #require(services[name] as? Object)
            #expect((service["build"] as? Object)?["dockerfile"] as? String == "deploy/docker/Dockerfile", "\(name) builds Helio's image")
            #expect(service["command"] as? [String] == [name])
        }
        #expect(FileManager.default.fileExists(atPath: LocalStack.repositoryRoot.appendingPathComponent("deploy/docker/Dockerfile").path))
    }

    @Test("every file a service mounts exists in the repository")
    func mounts() throws {
        for (name, value) in try Self.services {
            for volume in ((value as? Object)?["volumes"] as? [String]) ?? [] {
                let source = String(volume.split(separator: ":")[0])
                guard source.hasPrefix(".") else { continue } // a named volume
                let path = Self.folder.appendingPathComponent(source).standardizedFileURL.path
                #expect(FileManager.default.fileExists(atPath: path), "\(name) mounts \(source), which does not exist")
            }
        }
    }

    @Test("every secret a service uses is declared and made by make-secrets")
    func secrets() throws {
        let declared = try #require(try Self.yaml("docker-compose.yml")["secrets"] as? Object)
        let script = try String(contentsOf: Self.folder.appendingPathComponent("make-secrets"), encoding: .utf8)
        for (name, value) in try Self.services {
            for secret in ((value as? Object)?["secrets"] as? [String]) ?? [] {
                #expect(declared[secret] != nil, "\(name) uses the undeclared secret \(secret)")
                #expect(script.contains("make \(secret) "), "make-secrets does not make \(secret)")
            }
        }
    }

    @Test("Prometheus scrapes capture and apply under the job names the alert rules use; Grafana loads Helio's dashboard")
    func monitoring() throws {
        let prometheus = try Self.yaml("prometheus/prometheus.yml")
        let jobs = try #require(prometheus["scrape_configs"] as? [Object])
        let targets = Dictionary(uniqueKeysWithValues: jobs.map { job in
            (job["job_name"] as? String ?? "", ((job["static_configs"] as? [Object])?.first?["targets"] as? [String]) ?? [])
        })
        #expect(targets == ["helio-capture": ["capture:9464"], "helio-apply": ["apply:9464"]])
        let services = try Self.services
        let environment = try #require((services["capture"] as? Object)?["environment"] as? Object)
        #expect(environment["HELIO_METRICS_ADDR"] as? String == "0.0.0.0:9464", "capture and apply serve /metrics on the port Prometheus scrapes")
        let alerts = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("deploy/monitoring/helio-alerts.yml"), encoding: .utf8)
        for job in targets.keys { #expect(alerts.contains("job=\"\(job)\""), "the alert rules name the job \(job)") }
        let rules = try #require(prometheus["rule_files"] as? [String])
        let prometheusMounts = try #require((services["prometheus"] as? Object)?["volumes"] as? [String])
        #expect(rules.allSatisfy { rule in prometheusMounts.contains { $0.hasSuffix(":\(rule):ro") } }, "the rule files are mounted where prometheus.yml reads them")

        let provider = try #require((try Self.yaml("grafana/provisioning/dashboards/helio.yml")["providers"] as? [Object])?.first)
        let dashboards = try #require((provider["options"] as? Object)?["path"] as? String)
        let grafanaMounts = try #require((services["grafana"] as? Object)?["volumes"] as? [String])
        #expect(grafanaMounts.contains { $0.hasPrefix("../monitoring/helio-dashboard.json:\(dashboards)/") }, "Helio's dashboard is mounted where the provider looks")
        let datasource = try #require((try Self.yaml("grafana/provisioning/datasources/prometheus.yml")["datasources"] as? [Object])?.first)
        #expect(datasource["url"] as? String == "http://prometheus:9090")
    }
}
