import Foundation
import Metrics

/// CPU, memory and open files of this process, read from /proc at scrape time.
enum ProcessMetrics {
    static let residentBytes = Gauge(label: "process_resident_memory_bytes")
    static let cpuSeconds = Gauge(label: "process_cpu_seconds_total")
    static let openFiles = Gauge(label: "process_open_fds")

    static func update() {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            residentBytes.record(kilobytes * 1024)
        }
        var usage = rusage()
        if getrusage(RUSAGE_SELF.rawValue, &usage) == 0 {
            let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            cpuSeconds.record(user + system)
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFiles.record(Double(entries.count))
        }
    }
}
