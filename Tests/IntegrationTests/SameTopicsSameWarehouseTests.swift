import Foundation
import HelioApply
import HelioOps
import HelioTestSupport
import Testing

/// The warehouse is a function of the topics, not of how they were read: the same topics
/// applied with batch sizes 1, 17 and 5,000, by one applier or by two in one consumer group,
/// with kill -9 of appliers (and of capture, whose re-sends put duplicates in the topics) in
/// between, give identical warehouses row for row (lineage aside), and the live one equals
/// the source. The workload truncates every truncatable table along the way, deletes whole
/// unit-days of readings, moves readings, facts and devices.
///
/// `SAME_TOPICS_TRANSACTIONS` and `SAME_TOPICS_SEED` make it the long version (see
/// docs/reliability.md); `make test` runs the short one. `SAME_TOPICS_TC=1` runs every
/// applier with transaction consistency on (the same property must hold there too).
@Suite("The same topics give the same warehouse", .serialized)
struct SameTopicsSameWarehouseTests {
    static let environment = ProcessInfo.processInfo.environment
    static let transactions = Int(environment["SAME_TOPICS_TRANSACTIONS"] ?? "") ?? 120
    static let seed = UInt64(environment["SAME_TOPICS_SEED"] ?? "") ?? 29

    @Test("batch sizes 1, 17 and 5000, one and two appliers, kill -9 in between: one warehouse, equal to the source")
    func sameTopicsSameWarehouse() throws {
        let env = try TestEnvironment("sametopics")
        defer { env.drop() }
        let logs = NSTemporaryDirectory() + "helio-\(env.name)"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var workload = RandomWorkload(seed: Self.seed)
        try workload.seed(try env.source())

        // The live warehouse (dw): capture in a child process, killed once in the middle of
        // the workload; apply in this process with the default batch size.
        var capture = try HelioProcess(["capture"], config: env.userConfiguration(), logPath: "\(logs)/capture.log")
        var liveConfig = env.userConfiguration()
        liveConfig.transactionConsistency = Self.environment["SAME_TOPICS_TC"] != nil
        let live = RunningPipeline(env, config: liveConfig, withCapture: false)
        try env.waitForSlot()
        let quarter = max(1, Self.transactions / 4)
        for part in 0..<4 {
            if part == 2 {
                capture.kill9()
                capture = try HelioProcess(["capture"], config: env.userConfiguration(), logPath: "\(logs)/capture.log")
            }
            try workload.run(try env.source(), transactions: part == 3 ? Self.transactions - 3 * quarter : quarter, truncates: true)
            Thread.sleep(forTimeInterval: 1)
        }
        let differences = try env.waitForWarehouse(within: 120)
        #expect(differences.isEmpty, "the live warehouse equals the source: \(differences.prefix(10))")
        try live.finish()
        capture.terminate()
        let truncates = try env.warehouse().execute(
            "SELECT string_agg(DISTINCT source_table, ',' ORDER BY source_table) FROM dw.applied_truncate").scalar ?? ""
        #expect(truncates == "devices,energy,energy_compensate,irradiance,units,users", "the workload truncated every table: \(truncates)")

        // The same topics again, into schemas of their own.
        try replay(env, into: "dw_b5000", batchSize: 5000, appliers: 1, kills: 0, logs: logs)
        try replay(env, into: "dw_b17", batchSize: 17, appliers: 2, kills: 3, logs: logs)
        try replay(env, into: "dw_b1", batchSize: 1, appliers: 2, kills: 2, logs: logs)
        let warehouse = try env.warehouse()
        for schema in ["dw_b5000", "dw_b17", "dw_b1"] {
            let found = try WarehouseComparison.differences(warehouse, "dw", schema)
            #expect(found.isEmpty, "\(schema) differs from dw:\n\(found.joined(separator: "\n"))")
        }
        // Caught up, nothing waits behind a truncate, and every transaction's count of
        // arrivals met its END's (the counting agrees with what capture announces).
        for schema in ["dw", "dw_b5000", "dw_b17", "dw_b1"] {
            let left = try warehouse.execute("""
                SELECT (SELECT count(*) FROM \(schema).pending_dim) + (SELECT count(*) FROM \(schema).pending_fact)
                       + (SELECT count(*) FROM \(schema).tx_arrival)
                """).scalar
            #expect(left == "0", "\(schema): changes still waiting, or transactions never complete: \(left ?? "?")")
        }
        let rows = try env.warehouseCounts()
        #expect((rows["fact_energy"] ?? 0) > 0 && (rows["dim_day_climate"] ?? 0) > 0, "\(rows)")
    }

    /// Applies every topic from the start into `schema`: `appliers` `helio rebuild` processes
    /// in one consumer group, one of them killed with SIGKILL `kills` times a few seconds
    /// apart and started again; then one more pass in this process, which finds what the
    /// processes left when they stopped as idle (a member that left hands its partitions over).
    func replay(_ env: TestEnvironment, into schema: String, batchSize: Int, appliers: Int, kills: Int, logs: String) throws {
        var config = env.userConfiguration()
        config.batchSize = batchSize
        config.batchWaitMilliseconds = 50
        config.transactionConsistency = Self.environment["SAME_TOPICS_TC"] != nil
        let arguments = ["rebuild", "--schema", schema, "--idle-seconds", "6"]
        let log = "\(logs)/\(schema).log"
        var members = try (0..<appliers).map { _ in try HelioProcess(arguments, config: config, logPath: log) }
        for kill in 0..<kills {
            Thread.sleep(forTimeInterval: 2.5 + Double(kill % 2))
            let victim = kill % members.count
            guard members[victim].isRunning else { continue }
            members[victim].kill9()
            members[victim] = try HelioProcess(arguments, config: config, logPath: log)
        }
        let deadline = Date().addingTimeInterval(240)
        while members.contains(where: \.isRunning) && Date() < deadline { Thread.sleep(forTimeInterval: 0.5) }
        for member in members where member.isRunning { member.terminate() }
        #expect(!members.contains { $0.process.terminationStatus != 0 && $0.process.terminationReason == .exit },
                "every rebuild process ended cleanly: \(String(members.last?.log.suffix(2_000) ?? ""))")
        config.groupID = WarehouseRebuild.groupID(live: env.userConfiguration().groupID, schema: try WarehouseSchema(schema))
        // (bounded: after kill -9 of members the local broker has left such a group in state
        // UNKNOWN, never assigning it again, and an unassigned consumer never goes idle)
        let passDeadline = Date().addingTimeInterval(60)
        try ApplyService(config: config, logger: env.logger, schema: try WarehouseSchema(schema))
            .run(shouldStop: { Date() > passDeadline }, stopWhenIdleSeconds: 5)
    }
}
