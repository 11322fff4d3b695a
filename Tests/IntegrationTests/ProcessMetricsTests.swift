import Foundation
import HelioTestSupport
import Testing

/// The process metrics as Prometheus scrapes them from the built binary: the names and types of
/// Prometheus' own process collectors, so `rate(process_cpu_seconds_total[5m])` is right.
@Suite("Process metrics on /metrics (the built binary)", .serialized)
struct ProcessMetricsTests {
    static func sample(_ exposition: String, _ name: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test("process_cpu_seconds_total is a counter that grows between scrapes; memory and open files are gauges")
    func cpuSecondsIsACounter() throws {
        let stack = try LocalStack.fromEnvironment()
        let port = try freeLoopbackPort()
        let name = "tprocmetrics\(UInt32.random(in: 0..<UInt32.max))"
        // apply waits for topics nobody creates: it serves its endpoint and touches nothing.
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LD_LIBRARY_PATH": LocalStack.repositoryRoot.appendingPathComponent(".local/lib").path,
            "HELIO_KAFKA_BROKERS": stack.brokers,
            "HELIO_WAREHOUSE_URL": "postgresql://helio@127.0.0.1:1/unused",
            "HELIO_PII_KEY": "process-metrics-test",
            "HELIO_TOPIC_PREFIX": name,
            "HELIO_GROUP_ID": name,
            "HELIO_METRICS_ADDR": "127.0.0.1:\(port)",
            "HELIO_SCHEDULE_ENABLED": "false",
        ]
        let log = NSTemporaryDirectory() + "\(name).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let apply = try launchHelio(["apply"], environment: environment, log: log)
        defer { if apply.isRunning { apply.terminate(); apply.waitUntilExit() } }
        let read = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        let base = "http://127.0.0.1:\(port)"
        try eventually("apply's endpoint to answer", within: 30) { httpGet(base + "/healthz")?.status == 200 }

        let first = try #require(httpGet(base + "/metrics")?.body, "\(read())")
        #expect(first.contains("# TYPE process_cpu_seconds_total counter\n"), "\(first)")
        #expect(first.contains("# TYPE process_resident_memory_bytes gauge\n"))
        #expect(first.contains("# TYPE process_open_fds gauge\n"))
        let before = try #require(Self.sample(first, "process_cpu_seconds_total"), "\(first)")
        #expect(before > 0)
        #expect((Self.sample(first, "process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((Self.sample(first, "process_open_fds") ?? 0) > 3)

        // Burn some CPU in the process: every scrape renders and serves the exposition.
        for _ in 0..<50 { _ = httpGet(base + "/metrics") }
        let after = try #require(httpGet(base + "/metrics").flatMap { Self.sample($0.body, "process_cpu_seconds_total") })
        #expect(after > before, "the CPU time must grow: \(before) then \(after)")

        apply.terminate()
        apply.waitUntilExit()
        #expect(apply.terminationStatus == 0, "\(read())")
    }
}
