import Foundation
import HelioOps

/// One `helio` process (capture, apply, a tool) with the pipeline's configuration and
/// optional extra variables; its output goes to a log file the report can quote.
public final class HelioChild: @unchecked Sendable {
    public let role: String
    public let logPath: String
    let pid: pid_t
    private var status: Int32?

    /// `prefix` runs it through another command (`ip netns exec <name>`: on a machine of its own).
    public init(_ arguments: [String], role: String, config: HelioConfiguration, extra: [String: String] = [:], logPath: String,
                prefix: [String] = []) throws {
        self.role = role
        self.logPath = logPath
        // Only the pipeline's settings: none of the shared stack's (HELIO_PII_KEY_FILE, …) leaks in.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HELIO_") }
        for (name, value) in HelioProcess.environment(config) where Self.settings.contains(name) { environment[name] = value }
        environment["HELIO_STATUS_INTERVAL_SECONDS"] = String(config.statusIntervalSeconds)
        if config.spoolMaxBytes > 0 { environment["HELIO_SPOOL_MAX_BYTES"] = String(config.spoolMaxBytes) }
        for (name, value) in extra { environment[name] = value }
        pid = try Spawn.start(prefix + [HelioProcess.binary.path] + arguments, log: logPath, environment: environment)
    }

    /// The variables `HelioProcess.environment` derives from a configuration.
    static let settings: Set<String> = [
        "HELIO_SOURCE_URL", "HELIO_WAREHOUSE_URL", "HELIO_KAFKA_BROKERS", "HELIO_TOPIC_PREFIX", "HELIO_SLOT", "HELIO_PUBLICATION",
        "HELIO_GROUP_ID", "HELIO_SPOOL_DIR", "HELIO_PII_KEY", "HELIO_HEARTBEAT_INTERVAL_SECONDS", "HELIO_BATCH_WAIT_MS",
        "HELIO_BATCH_SIZE", "HELIO_LOG_FORMAT", "HELIO_METRICS_ADDR", "HELIO_DECODING_WORK_MEM",
    ]

    public var isRunning: Bool {
        if status == nil { status = Spawn.poll(pid) }
        return status == nil
    }

    /// The exit status once it has exited (128 + signal when a signal ended it).
    public var exitStatus: Int32? {
        _ = isRunning
        return status
    }

    /// SIGKILL: no drain, no goodbye — what a crash looks like.
    public func kill9() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        status = Spawn.wait(pid)
    }

    /// SIGTERM, then SIGKILL after `seconds`; the exit status.
    @discardableResult
    public func terminate(within seconds: Double = 60) -> Int32 {
        guard isRunning else { return status ?? -1 }
        kill(pid, SIGTERM)
        if let status = waitForExit(within: seconds) { return status }
        kill9()
        return status ?? -1
    }

    /// Waits for the process to end by itself; nil when it is still running after `seconds`.
    public func waitForExit(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !isRunning { return status }
            usleep(50_000)
        }
        return isRunning ? nil : status
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The last lines of the log, for a report.
    public func logTail(_ lines: Int = 5) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
