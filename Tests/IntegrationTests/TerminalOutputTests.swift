import Foundation
import HelioApply
import HelioTestSupport
import Testing

/// What a person and a script each see from the built binary: on stdout a report command
/// prints its report and nothing else (logs go to stderr, JSON when nobody is at a terminal);
/// on a terminal long work draws a progress bar, elsewhere it logs lines instead.
@Suite("Terminal output (the built binary)", .serialized)
struct TerminalOutputTests {
    /// stdout and stderr apart, nobody at a terminal.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = NSTemporaryDirectory() + "helio-terminal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (out, err) = (directory + "/stdout", directory + "/stderr")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = HelioProcess.binary
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: err, encoding: .utf8))
    }

    /// On a pseudo-terminal (util-linux `script`): everything the command wrote to it.
    static func runOnTerminal(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let command = ([HelioProcess.binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-c", command, "/dev/null"]
        process.environment = environment.merging(["TERM": "xterm"]) { $1 }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A source and an empty migrated warehouse, equal, and the variables that reach them
    /// with the log format left to the command (`auto`).
    static func emptyPipeline() throws -> (TestEnvironment, [String: String]) {
        let env = try TestEnvironment("terminal")
        try WarehouseSchema.live.migrate(env.warehouseAsWriter(), logger: env.logger)
        var environment = HelioProcess.environment(env.userConfiguration())
        environment["HELIO_LOG_FORMAT"] = nil
        environment["NO_COLOR"] = nil
        return (env, environment)
    }

    @Test("report commands print their report only on stdout; logs go to stderr, as JSON off a terminal")
    func reportOnly() throws {
        let (env, environment) = try Self.emptyPipeline()
        defer { env.drop() }
        let verify = try Self.run(["verify"], environment: environment)
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout == "verify: the warehouse matches the source\n", "\(verify)")
        #expect(verify.stderr.contains(#""msg":"starting""#), "JSON logs on stderr: \(verify.stderr)")

        let json = try Self.run(["verify", "--json"], environment: environment)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["matches"] as? Bool == true && report?["count"] as? Int == 0, "\(json)")

        let check = try Self.run(["config", "check", "--offline"], environment: environment)
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.hasPrefix("configuration file:"), "\(check)")
        #expect(!check.stdout.contains(#""level""#) && !check.stdout.contains("starting"), "no log line on stdout: \(check.stdout)")

        let checkJSON = try Self.run(["config", "check", "--offline", "--json"], environment: environment)
        let effective = try JSONSerialization.jsonObject(with: Data(checkJSON.stdout.utf8)) as? [String: Any]
        let keys = effective?["keys"] as? [[String: String]] ?? []
        #expect(keys.contains { $0["key"] == "capture.slot" && $0["source"] == "env HELIO_SLOT" }, "\(checkJSON)")

        let wrong = try Self.run(["config", "check", "--offline", "--batch-size", "banana"], environment: environment)
        #expect(wrong.status == 64, "\(wrong)")
        #expect(wrong.stderr.contains("helio: ") && wrong.stderr.contains("batch"), "the error on stderr: \(wrong)")
        #expect(!wrong.stdout.contains("banana"), "no error on stdout: \(wrong.stdout)")

        let slot = try Self.run(["slot", "status", "--json"], environment: environment)
        #expect(slot.status == 1, "no slot yet: \(slot)")
        let slotReport = try JSONSerialization.jsonObject(with: Data(slot.stdout.utf8)) as? [String: Any]
        #expect(slotReport?["exists"] as? Bool == false, "\(slot)")

        let status = try Self.run(["status", "--json"], environment: environment)
        #expect(status.status == 1, "no slot, no topics: \(status)")
        let statusReport = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(statusReport?["healthy"] as? Bool == false, "\(status)")
        #expect((statusReport?["problems"] as? [String])?.contains { $0.contains("does not exist") } == true, "\(status)")

        let dlq = try Self.run(["dlq", "list", "--json"], environment: environment)
        #expect(dlq.status == 0, "\(dlq)")
        let dlqReport = try JSONSerialization.jsonObject(with: Data(dlq.stdout.utf8)) as? [String: Any]
        #expect(dlqReport?["count"] as? Int == 0 && (dlqReport?["records"] as? [Any])?.isEmpty == true, "\(dlq)")
    }

    @Test("rebuild reports records applied: a bar on a pseudo-terminal, a closing log line otherwise")
    func rebuildProgress() throws {
        let (env, environment) = try Self.emptyPipeline()
        defer { env.drop() }
        try env.createTopics()
        let plain = try Self.run(["rebuild", "--schema", "dw_next", "--idle-seconds", "1"], environment: environment)
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.hasPrefix("rebuild: 0 records applied into dw_next"), "\(plain)")
        #expect(plain.stderr.contains("rebuild done: 0 records 0/s"), "\(plain.stderr)")
        let terminal = try Self.runOnTerminal(["rebuild", "--schema", "dw_next", "--idle-seconds", "1"], environment: environment)
        #expect(terminal.status == 0, "\(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[Krebuild 0 records 0/s "), "\(terminal.output.debugDescription)")
    }

    @Test("verify draws a progress bar with rate and ETA on a pseudo-terminal, and logs progress lines otherwise")
    func progressBar() throws {
        let (env, environment) = try Self.emptyPipeline()
        defer { env.drop() }
        let terminal = try Self.runOnTerminal(["verify"], environment: environment)
        #expect(terminal.status == 0, "\(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[Kverify [>"), "the bar is drawn in place: \(terminal.output.debugDescription)")
        #expect(terminal.output.contains("] 100% 11/11 checks "), "\(terminal.output.debugDescription)")
        #expect(terminal.output.contains("/s ETA "), "\(terminal.output.debugDescription)")
        #expect(terminal.output.contains("\u{1B}[32mINFO\u{1B}[0m helio.verify: starting"), "coloured text logs: \(terminal.output.debugDescription)")
        #expect(!terminal.output.contains(#""level""#), "no JSON on a terminal: \(terminal.output.debugDescription)")

        let plain = try Self.run(["verify"], environment: environment)
        #expect(!plain.stderr.contains("\r") && !plain.stderr.contains("\u{1B}"), "no bar off a terminal: \(plain.stderr.debugDescription)")
        #expect(plain.stderr.contains("verify done: [====================] 100% 11/11 checks"), "\(plain.stderr)")
        #expect(plain.stderr.contains(#""done":"11""#) && plain.stderr.contains(#""total":"11""#), "\(plain.stderr)")
    }
}
