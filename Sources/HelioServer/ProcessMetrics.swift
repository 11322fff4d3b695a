import Foundation
import Metrics
import Synchronization

/// CPU, memory and open files of this process, read from /proc and getrusage at scrape time,
/// under the names and types of Prometheus' own process collectors, so stock dashboards and
/// `rate(process_cpu_seconds_total[5m])` work.
///
/// Our own code, not a library's: the maintained one for swift-metrics (swift-metrics-extras'
/// SystemMetrics) is not among the packages this project's machines can resolve, and
/// swift-metrics 2.13 and swift-prometheus 2.4 have no process collector.
enum ProcessMetrics {
    static let residentBytes = Gauge(label: "process_resident_memory_bytes")
    /// A counter: swift-metrics counters only go up by increments, so each scrape adds the CPU
    /// time used since the last one.
    static let cpuSeconds = FloatingPointCounter(label: "process_cpu_seconds_total")
    static let openFiles = Gauge(label: "process_open_fds")

    /// CPU seconds already added to `cpuSeconds`; concurrent scrapes add each second once.
    private static let cpuCounted = Mutex<Double>(0)

    static func update() {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            residentBytes.record(kilobytes * 1024)
        }
        if let used = cpuTime() {
            let added = cpuCounted.withLock { counted -> Double in
                guard used > counted else { return 0 }
                defer { counted = used }
                return used - counted
            }
            if added > 0 { cpuSeconds.increment(by: added) }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFiles.record(Double(entries.count))
        }
    }

    /// User plus system CPU time of the whole process, in seconds.
    static func cpuTime() -> Double? {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }
}
