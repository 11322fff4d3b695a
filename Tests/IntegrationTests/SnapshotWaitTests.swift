import Foundation
import HelioOps
import HelioTestSupport
import Testing

/// `helio snapshot --wait` on the built binary, against a running capture: it follows its
/// request through capture's operator endpoint to the end, as a bar on a pseudo-terminal and
/// as log lines otherwise; without a capture to ask, it says so (exit 69).
@Suite("helio snapshot --wait (the built binary)", .serialized)
struct SnapshotWaitTests {
    @Test("snapshot --wait follows the request to its end: a bar with rate and ETA on a terminal, log lines otherwise")
    func followsToTheEnd() throws {
        let env = try TestEnvironment("snapwait")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 37)
        try workload.seed(try env.source())
        try env.source().execute("ANALYZE devices")   // the estimate that sizes the bar
        let config = env.userConfiguration()
        let address = "127.0.0.1:\(Int.random(in: 30_000..<40_000))"
        let log = NSTemporaryDirectory() + "helio-\(env.name)-capture.log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let capture = try HelioProcess(["capture"], config: config, logPath: log, environment: ["HELIO_METRICS_ADDR": address])
        try env.waitForSlot()

        var environment = HelioProcess.environment(config)
        environment["HELIO_METRICS_ADDR"] = address
        environment["HELIO_LOG_FORMAT"] = nil
        let arguments = ["snapshot", "--table", "public.devices", "--chunk-size", "2", "--wait", "--wait-seconds", "60"]
        let plain = try TerminalOutputTests.run(arguments, environment: environment)
        #expect(plain.status == 0, "\(plain)\n\(capture.log)")
        #expect(plain.stdout.contains("snapshot of public.devices read (") && plain.stdout.contains("rows published by capture"), "\(plain)")
        #expect(plain.stderr.contains("snapshot done: [====================] 100% "), "\(plain.stderr)")
        #expect(!plain.stderr.contains("\r"), "no bar off a terminal: \(plain.stderr.debugDescription)")

        let terminal = try TerminalOutputTests.runOnTerminal(arguments, environment: environment)
        #expect(terminal.status == 0, "\(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[Ksnapshot ["), "the bar drawn in place: \(terminal.output.debugDescription)")
        #expect(terminal.output.contains("] 100% ") && terminal.output.contains(" rows ") && terminal.output.contains("/s ETA "),
                "\(terminal.output.debugDescription)")
        #expect(capture.terminate() == 0, "\(capture.log)")

        // Nothing answers at the address now: the request is sent, and the command says where it looked.
        let alone = try TerminalOutputTests.run(arguments, environment: environment)
        #expect(alone.status == HelioExit.unavailable, "\(alone)")
        #expect(alone.stderr.contains("operator endpoint http://\(address)/snapshot, which does not answer"), "\(alone.stderr)")
    }
}
