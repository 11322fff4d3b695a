import Foundation
import HelioApply
import HelioOps
import HelioPostgres
import HelioTestSupport
import Testing

/// The verifier and `helio verify` on connection pools: the same answer as on single
/// connections, the checks side by side.
@Suite("Verification on connection pools", .serialized)
struct CommandPoolTests {
    @Test("pooled verification finds the same differences, in the same order, with checks running side by side")
    func pooledVerifierMatchesSequential() throws {
        let env = try TestEnvironment("poolverify")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 23)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env)
        try workload.run(try env.source(), transactions: 40)
        let caughtUp = try env.waitForWarehouse()
        #expect(caughtUp.isEmpty, "\(caughtUp.prefix(10))")
        try pipeline.finish()

        // Make the warehouse wrong in three checks' worth of ways.
        let warehouse = try env.warehouse()
        try warehouse.execute("UPDATE dw.dim_users SET email = 'changed@example.com' WHERE is_current AND user_id = (SELECT min(user_id) FROM dw.dim_users)")
        try warehouse.execute("DELETE FROM dw.fact_energy WHERE energy_fact_id = (SELECT max(energy_fact_id) FROM dw.fact_energy WHERE source_table = 'energy')")
        try warehouse.execute("UPDATE dw.dim_day_climate SET sample_count = sample_count + 1 WHERE ctid = (SELECT min(ctid) FROM dw.dim_day_climate)")

        let sequential = try env.verifier().verify().map(\.description)
        let config = env.userConfiguration()
        let sourcePool = ConnectionPool(ConnectionOptions(url: env.sourceURL, applicationName: "helio-verify-test"),
                                        configuration: .init(maximumConnections: 3))
        let warehousePool = ConnectionPool(ConnectionOptions(url: env.warehouseURL, applicationName: "helio-verify-test"),
                                           configuration: .init(maximumConnections: 3))
        defer { sourcePool.close(); warehousePool.close() }
        let pooled = try WarehouseVerifier(source: sourcePool, warehouse: warehousePool, piiKey: config.piiKey!,
                                           timezone: config.timezone, sampleMinutes: config.sampleMinutes).verify().map(\.description)
        #expect(sequential.count >= 3, "\(sequential)")
        #expect(pooled == sequential)
        let checks = ["dim_users members", "fact_energy", "dim_day_climate"]
        for check in checks { #expect(pooled.contains { $0.hasPrefix(check) }, "\(check) in \(pooled)") }
        let (source, target) = (sourcePool.statistics, warehousePool.statistics)
        #expect(source.peakInUse >= 2 || target.peakInUse >= 2, "checks ran side by side: \(source), \(target)")
        #expect(source.peakInUse <= 3 && target.peakInUse <= 3)
        #expect(source.opened <= 3 && target.opened <= 3, "connections reused across checks: \(source), \(target)")
    }

    @Test("helio verify runs on pools and exits 0 on a warehouse equal to the source, 1 on a difference")
    func verifyCommand() throws {
        let env = try TestEnvironment("poolcmd")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 29)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env)
        try workload.run(try env.source(), transactions: 20)
        #expect(try env.waitForWarehouse().isEmpty)
        try pipeline.finish()

        let environment = HelioProcess.environment(env.userConfiguration())
        let equal = try runHelio(["verify"], environment: environment, log: env.spoolDirectory + "-verify1.log")
        #expect(equal.status == 0, "\(equal.output)")
        #expect(equal.output.contains("verify: the warehouse matches the source"), "\(equal.output)")

        try env.warehouse().execute("DELETE FROM dw.dim_units WHERE unit_key = (SELECT max(unit_key) FROM dw.dim_units)")
        let different = try runHelio(["verify"], environment: environment, log: env.spoolDirectory + "-verify2.log")
        #expect(different.status == HelioExit.unhealthy, "\(different.output)")
        #expect(different.output.contains("dim_units"), "\(different.output)")
    }
}

/// Runs the built `helio` to completion; its exit status and output.
func runHelio(_ arguments: [String], environment: [String: String], log: String) throws -> (status: Int32, output: String) {
    let process = try launchHelio(arguments, environment: environment, log: log)
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
}

/// The built `helio` with this environment, its output written to `log` (made anew).
func launchHelio(_ arguments: [String], environment: [String: String], log: String) throws -> Process {
    let process = Process()
    process.executableURL = HelioProcess.binary
    process.arguments = arguments
    process.environment = environment
    FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
}
