import Foundation
import HelioTestSupport
import Testing

/// Every long-running command drains on SIGTERM through its service group (exit 0), and the
/// operator endpoint is a member of that group: it answers while the loops drain and stops
/// after them.
@Suite("Service lifecycle of the commands (the built binary)", .serialized)
struct LifecycleTests {
    @Test("helio simulate drains on SIGTERM: exit 0, its summary logged")
    func simulateDrains() throws {
        let env = try TestEnvironment("simulate")
        defer { env.drop() }
        let log = env.spoolDirectory + "-simulate.log"
        // A simulated day in 24 s: the simulated clock follows the real one, and at the default
        // scale (a day in 2.4 min) a night in São Paulo writes no reading for up to 72 s, longer
        // than the wait below (this failed CI in the evening, UTC).
        let simulate = try launchHelio(["simulate", "--simulate-url", env.sourceURL, "--users", "3", "--rate", "100", "--time-scale", "3600"],
                                       environment: HelioProcess.environment(env.userConfiguration()), log: log)
        defer { if simulate.isRunning { simulate.interrupt(); simulate.waitUntilExit() } }
        let read = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        try eventually("the simulator to be seeded and writing", within: 60) {
            let rows = try env.source().execute("SELECT count(*) FROM energy").scalar ?? "0"
            return read().contains("simulator seeded") && rows != "0"
        }
        simulate.terminate()
        simulate.waitUntilExit()
        #expect(simulate.terminationStatus == 0, "\(read())")
        #expect(read().contains("simulator stopped"), "\(read())")
    }

    @Test("helio apply's operator endpoint is in its service group: it stops after apply has drained, exit 0")
    func endpointStopsLast() throws {
        let env = try TestEnvironment("endpoint")
        defer { env.drop() }
        try env.createTopics()   // (apply waits for its topics; no capture runs here)
        let port = try freeLoopbackPort()
        var environment = HelioProcess.environment(env.userConfiguration())
        environment["HELIO_METRICS_ADDR"] = "127.0.0.1:\(port)"
        let log = env.spoolDirectory + "-apply.log"
        let apply = try launchHelio(["apply"], environment: environment, log: log)
        defer { if apply.isRunning { apply.interrupt(); apply.waitUntilExit() } }
        let read = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        let base = "http://127.0.0.1:\(port)"
        try eventually("apply to consume and its endpoint to answer", within: 90) {
            read().contains("applying") && httpGet(base + "/healthz")?.status == 200
        }
        apply.terminate()
        apply.waitUntilExit()
        let lines = read().split(separator: "\n")
        #expect(apply.terminationStatus == 0, "\(read())")
        let drained = try #require(lines.firstIndex { $0.contains("apply stopped; every batch consumed is applied") }, "\(read())")
        let stopped = try #require(lines.firstIndex { $0.contains("operator endpoint stopped") }, "\(read())")
        #expect(stopped > drained, "the endpoint stops after apply's loop: \(read())")
        #expect(httpGet(base + "/healthz") == nil, "nothing listens after exit")
    }
}
