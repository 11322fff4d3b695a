import Foundation
import HelioOps

/// The built `helio` binary run as a child process, for tests that crash it with SIGKILL.
public final class HelioProcess: @unchecked Sendable {
    public let process = Process()
    public let logPath: String

    /// Environment variables that make the child use `config`.
    public static func environment(_ config: HelioConfiguration) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HELIO_SOURCE_URL"] = config.sourceURL
        environment["HELIO_WAREHOUSE_URL"] = config.warehouseURL
        environment["HELIO_KAFKA_BROKERS"] = config.kafkaBrokers
        environment["HELIO_TOPIC_PREFIX"] = config.topicPrefix
        environment["HELIO_SLOT"] = config.slot
        environment["HELIO_PUBLICATION"] = config.publication
        environment["HELIO_GROUP_ID"] = config.groupID
        environment["HELIO_SPOOL_DIR"] = config.spoolDirectory
        environment["HELIO_PII_KEY"] = config.piiKey
        environment["HELIO_HEARTBEAT_INTERVAL_SECONDS"] = String(config.heartbeatIntervalSeconds)
        environment["HELIO_BATCH_WAIT_MS"] = String(config.batchWaitMilliseconds)
        environment["HELIO_BATCH_SIZE"] = String(config.batchSize)
        environment["HELIO_TRANSACTION_CONSISTENCY"] = config.transactionConsistency ? "true" : "false"
        environment["HELIO_APPLY_PARALLEL"] = config.parallelApply ? "true" : "false"
        environment["HELIO_LOG_FORMAT"] = "text"
        // Several children run at once (two appliers): none needs the operator endpoint.
        environment["HELIO_METRICS_ADDR"] = "off"
        if let workMem = config.decodingWorkMem { environment["HELIO_DECODING_WORK_MEM"] = workMem }
        return environment
    }

    public static var binary: URL {
        // HELIO_BINARY, else the one built beside the running tests (any --scratch-path), else .build's.
        if let path = ProcessInfo.processInfo.environment["HELIO_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("helio")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = LocalStack.repositoryRoot
        for candidate in [".build/debug/helio", ".build/release/helio"] {
            let url = root.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/helio")
    }

    /// `environment` is laid over the configuration's variables (e.g. `HELIO_LOG_FORMAT=json`,
    /// `HELIO_KAFKA_PROPERTY_*`).
    public init(_ arguments: [String], config: HelioConfiguration, logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = Self.environment(config).merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }

    /// Runs a command that ends by itself (`replay`, `slot drop`, …) and returns its exit
    /// status and everything it wrote (stdout and stderr, log lines included).
    public static func run(_ arguments: [String], config: HelioConfiguration, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let logPath = NSTemporaryDirectory() + "helio-command-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let child = try HelioProcess(arguments, config: config, logPath: logPath, environment: environment)
        child.process.waitUntilExit()
        return (child.process.terminationStatus, child.log)
    }

    /// SIGKILL: no drain, no goodbye — what a crash looks like.
    public func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then wait for a clean exit; returns the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
