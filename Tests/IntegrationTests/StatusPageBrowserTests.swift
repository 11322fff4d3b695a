import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HelioOps
import HelioPostgres
@testable import HelioServer
import HelioTestSupport
import Synchronization
import Testing

/// The status page as an operator's browser shows it: `helio run` serves it on a loopback
/// port, headless Chromium loads and renders it (`--dump-dom` prints the DOM after loading),
/// and the rendered page shows the pipeline, charts of throughput and lag, changes per table,
/// the snapshot, and no secret. Chromium also saves screenshots, at a desktop's width and at a
/// phone's, into `HELIO_STATUS_SCREENSHOTS` (a directory; a temporary one by default):
/// `scripts/status-page-screenshot` copies them into docs/images/, after
/// `HELIO_STATUS_TRAFFIC_SECONDS` of extra traffic so the charts have a shape.
@Suite("Status page in headless Chromium", .serialized)
struct StatusPageBrowserTests {
    @Test("the rendered page shows both services running, charts, throughput and lag figures, changes per table, and no password or key")
    func renderedStatusPage() throws {
        let browser = try Chromium.locate()
        let env = try TestEnvironment("statuspage")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 17)
        try workload.seed(try env.source())
        let config = env.userConfiguration()
        let port = try freeLoopbackPort()
        var environment = HelioProcess.environment(config)
        environment["HELIO_METRICS_ADDR"] = "127.0.0.1:\(port)"   // children run without it by default
        let log = env.spoolDirectory + "-run.log"
        let helio = try launchHelio(["run"], environment: environment, log: log)
        defer {
            if helio.isRunning { helio.terminate(); helio.waitUntilExit() }
        }
        let base = "http://127.0.0.1:\(port)"
        try eventually("the operator endpoint to answer", within: 60) { httpGet(base + "/healthz")?.status == 200 }
        try env.waitForSlot()
        try workload.run(try env.source(), transactions: 60)
        try Self.extraTraffic(&workload, try env.source())
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        try eventually("/readyz to say ready", within: 30) { httpGet(base + "/readyz")?.status == 200 }
        sleep(6)   // more counter samples after the last batch, and a point of the charts' timeline (one per 5 s)

        let dom = try browser.dumpDOM(base + "/")
        let screenshots = ProcessInfo.processInfo.environment["HELIO_STATUS_SCREENSHOTS"] ?? env.spoolDirectory + "-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let screenshot = screenshots + "/status-page.png"
        try browser.screenshot(base + "/", to: screenshot, width: 1280, height: 1500)
        try browser.screenshot(base + "/", to: screenshots + "/status-page-phone.png", width: 375, height: 2400)
        #expect(dom.contains("<title>Helio status</title>"), "\(dom.prefix(300))")
        #expect(dom.contains("Pipeline: <strong>ready</strong>"))

        // The pipeline strip: both stages of this process, running.
        #expect(dom.contains(#"<li id="stage-capture" class="running">"#), "\(dom)")
        #expect(dom.contains(#"<li id="stage-apply" class="running">"#))
        #expect(dom.contains(#"<tr id="service-capture" class="running">"#) && dom.contains(#"<tr id="service-apply" class="running">"#))

        // Throughput over the last minute, and lag.
        let captureRate = try #require(Self.number(in: Self.cell("capture-throughput", dom), unit: "changes/s"), "\(Self.cell("capture-throughput", dom))")
        let applyRate = try #require(Self.number(in: Self.cell("apply-throughput", dom), unit: "events/s"), "\(Self.cell("apply-throughput", dom))")
        #expect(captureRate > 0 && applyRate > 0, "capture \(captureRate)/s, apply \(applyRate)/s")
        let applyLag = try #require(Self.number(in: Self.cell("apply-lag", dom), unit: "s"), "\(Self.cell("apply-lag", dom))")
        #expect(applyLag >= 0 && applyLag < 120)
        #expect(Self.number(in: Self.cell("capture-lag", dom), unit: "s") != nil, "\(Self.cell("capture-lag", dom))")
        #expect(Self.cell("retained-wal", dom).range(of: #"^[0-9.]+ (B|KiB|MiB|GiB)$"#, options: .regularExpression) != nil,
                "\(Self.cell("retained-wal", dom))")
        let applied = try #require(Self.figure("events_applied", dom))
        #expect(applied > 0)

        // Charts of the last hour, drawn by the server as inline SVG: lines of both services.
        for id in ["chart-throughput", "chart-lag"] {
            let chart = Self.element("svg", id: id, dom)
            #expect(chart.components(separatedBy: "<polyline").count == 3, "two lines in \(id): \(chart)")
        }
        #expect(Self.element("svg", id: "chart-retained-wal", dom).contains("<polyline"))
        // Changes per table: energy streamed and applied; the seeded fleet, read by the
        // snapshot (not a streamed change), applied. The snapshot itself, finished.
        let energy = (Self.number(#"data-capture="energy">"#, dom) ?? 0, Self.number(#"data-apply="energy">"#, dom) ?? 0)
        #expect(energy.0 > 0 && energy.1 > 0, "energy: captured \(energy.0), applied \(energy.1)")
        for table in ["users", "units", "devices"] {
            #expect((Self.number(#"data-apply="\#(table)">"#, dom) ?? 0) > 0, "\(table) applied")
        }
        #expect(Self.element("p", id: "snapshot", dom).contains("finished: <strong>"), "\(Self.element("p", id: "snapshot", dom))")
        #expect(Self.cell("dead-letters", dom) == "0")

        // Nothing secret: not the URLs, their passwords, the PII key.
        let secrets = [config.sourceURL!, config.warehouseURL!, config.piiKey!,
                       URLComponents(string: config.sourceURL!)!.password!, URLComponents(string: config.warehouseURL!)!.password!]
        for secret in secrets {
            #expect(!dom.contains(secret), "the status page shows a secret")
            #expect(httpGet(base + "/metrics")?.body.contains(secret) == false, "/metrics shows a secret")
        }
        // The per-table, per-partition and delivery metrics of issue #5, from a real run.
        let metrics = httpGet(base + "/metrics")?.body ?? ""
        for table in ["users", "units", "devices", "energy"] {
            #expect(metrics.contains("helio_apply_changes_total{table=\"\(table)\"}"), "changes applied per table: \(table)")
        }
        #expect(metrics.contains("helio_apply_consumer_lag{"), "consumer lag per partition")
        #expect(metrics.range(of: #"helio_kafka_delivery_seconds_count [1-9]"#, options: .regularExpression) != nil,
                "Kafka delivery latency of capture's records")
        let attributes = try FileManager.default.attributesOfItem(atPath: screenshot)
        #expect(((attributes[.size] as? Int) ?? 0) > 10_000, "Chromium wrote a screenshot")

        helio.terminate()
        helio.waitUntilExit()
        #expect(helio.terminationStatus == 0, "helio run drained and exited cleanly; log: \(log)")
    }

    /// Without `HELIO_STATUS_TRAFFIC_SECONDS`, nothing. With it, that long of the random
    /// workload at a rate that steps up and down, so the screenshot's charts have a shape.
    static func extraTraffic(_ workload: inout RandomWorkload, _ source: PostgresConnection) throws {
        guard let seconds = ProcessInfo.processInfo.environment["HELIO_STATUS_TRAFFIC_SECONDS"].flatMap(Double.init) else { return }
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            let step = Int(Date().timeIntervalSince(start) / 30) % 4
            try workload.run(source, transactions: [2, 6, 12, 4][step])
            usleep(250_000)
        }
    }

    /// The element `<tag id="id" …>…</tag>` (not nested in one of its kind).
    static func element(_ tag: String, id: String, _ dom: String) -> String {
        guard let start = dom.range(of: "<\(tag) id=\"\(id)\""),
              let end = dom[start.lowerBound...].range(of: "</\(tag)>") else { return "" }
        return String(dom[start.lowerBound..<end.upperBound])
    }

    /// The number right after `prefix`, e.g. `data-apply="users">` → the cell's count.
    static func number(_ prefix: String, _ dom: String) -> Double? {
        guard let start = dom.range(of: prefix) else { return nil }
        return Double(dom[start.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// The text of the summary cell with this id.
    static func cell(_ id: String, _ dom: String) -> String {
        guard let start = dom.range(of: "<td id=\"\(id)\" class=\"number\">"),
              let end = dom[start.upperBound...].range(of: "</td>") else { return "" }
        return String(dom[start.upperBound..<end.lowerBound])
    }

    /// "12.3 changes/s" → 12.3 when the unit matches.
    static func number(in text: String, unit: String) -> Double? {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[1] == unit else { return nil }
        return Double(parts[0])
    }

    /// A figure of the services table: `<span class="figure" data-figure="events_applied">events_applied: 42</span>`.
    static func figure(_ name: String, _ dom: String) -> Double? {
        guard let start = dom.range(of: "data-figure=\"\(name)\">\(name): "),
              let end = dom[start.upperBound...].range(of: "</span>") else { return nil }
        return Double(dom[start.upperBound..<end.lowerBound])
    }
}

@Suite("Status page throughput")
struct StatusHistoryTests {
    static func health(_ figures: [String: Double]) -> HealthState {
        let health = HealthState()
        health.update("apply") { $0.connected = true; $0.figures = figures }
        return health
    }

    @Test("a counter first seen at N counted from 0 since the process started; no growth in the window is 0/s")
    func rates() {
        let history = StatusHistory(windowSeconds: 60, started: 1000)
        #expect(history.rate(service: "apply", figure: "events_applied") == nil, "nothing sampled yet")
        history.record(Self.health(["events_applied": 500]), at: 1010)
        #expect(history.rate(service: "apply", figure: "events_applied") == 50, "one batch of 500 in the first 10 s")
        history.record(Self.health(["events_applied": 800]), at: 1020)
        #expect(history.rate(service: "apply", figure: "events_applied") == 40)
        for second in stride(from: 1030.0, through: 1200, by: 10) { history.record(Self.health(["events_applied": 800]), at: second) }
        #expect(history.rate(service: "apply", figure: "events_applied") == 0, "idle for more than the window")
        history.record(Self.health(["events_applied": 30]), at: 1210)
        #expect(history.rate(service: "apply", figure: "events_applied") == 3, "after a reset it counts from 0 at the last sample")
        #expect(history.rate(service: "apply", figure: "confirmed_lsn") == nil, "gauges have no rate")
    }
}

/// Headless Chromium (`deploy/local/setup` installs Debian's `chromium`). As root it needs
/// `--no-sandbox`; each run gets a throwaway profile so runs never share one.
struct Chromium {
    let executable: String

    static func locate() throws -> Chromium {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return Chromium(executable: candidate)
        }
        throw MissingPrerequisite("chromium (run deploy/local/setup)")
    }

    /// The DOM after the page loaded and rendered.
    func dumpDOM(_ url: String) throws -> String {
        let output = NSTemporaryDirectory() + "helio-chromium-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: output) }
        try run(["--dump-dom", url], stdout: output)
        return try String(contentsOfFile: output, encoding: .utf8)
    }

    /// A PNG of the page in a window this size (what does not fit is cut off).
    func screenshot(_ url: String, to path: String, width: Int = 1280, height: Int = 1000) throws {
        try run(["--screenshot=\(path)", "--window-size=\(width),\(height)", "--hide-scrollbars", url], stdout: "/dev/null")
    }

    /// Runs Chromium to completion (posix_spawn and waitpid: its helper processes may outlive
    /// it, which Foundation's Process does not always cope with), killing it after 90 s.
    private func run(_ arguments: [String], stdout: String) throws {
        let profile = NSTemporaryDirectory() + "helio-chromium-profile-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let argv = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                    "--user-data-dir=\(profile)"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, cArguments, environ) == 0 else {
            throw MissingPrerequisite("a chromium that starts (\(executable))")
        }
        let deadline = Date().addingTimeInterval(90)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw MissingPrerequisite("a chromium that finishes within 90 s (\(arguments.joined(separator: " ")))")
            }
            usleep(50_000)
        }
        guard (status & 0x7f) == 0, (status >> 8) & 0xff == 0 else {
            throw MissingPrerequisite("a chromium run that succeeds (wait status \(status))")
        }
    }
}

/// A loopback TCP port nobody listens on right now (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw MissingPrerequisite("a socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw MissingPrerequisite("a free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A GET with a 5 s timeout; `nil` when nothing answered.
func httpGet(_ url: String) -> (status: Int, body: String)? {
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = 5
    let done = DispatchSemaphore(value: 0)
    let answer = Mutex<(status: Int, body: String)?>(nil)
    URLSession.shared.dataTask(with: request) { data, response, _ in
        if let response = response as? HTTPURLResponse {
            answer.withLock { $0 = (response.statusCode, data.map { String(decoding: $0, as: UTF8.self) } ?? "") }
        }
        done.signal()
    }.resume()
    done.wait()
    return answer.withLock { $0 }
}
