import Foundation
import HelioApply
import HelioCapture
import HelioOps
import HelioTestSupport

/// Capture and apply running in this process, each on its own thread.
final class RunningPipeline {
    let stop = StopSignal()
    let threads: ServiceThreads
    let capture: CaptureService
    let apply: ApplyService

    init(_ environment: TestEnvironment, config: HelioConfiguration? = nil, withCapture: Bool = true, withApply: Bool = true) {
        let config = config ?? environment.userConfiguration()
        threads = ServiceThreads(stop: stop)
        capture = CaptureService(config: config, logger: environment.logger)
        apply = ApplyService(config: config, logger: environment.logger)
        if withCapture { threads.start("capture") { [capture, stop] in try capture.run(shouldStop: { stop.isSet }) } }
        if withApply { threads.start("apply") { [apply, stop] in try apply.run(shouldStop: { stop.isSet }) } }
    }

    func finish() throws {
        stop.set()
        try threads.wait()
    }
}

extension TestEnvironment {
    /// Where most pipeline tests start: the source seeded by a `RandomWorkload`, capture and
    /// apply running on it (with `configure`'s changes to the environment's configuration),
    /// the slot made. The caller finishes the pipeline.
    func seededPipeline(seed: UInt64, configure: (inout HelioConfiguration) throws -> Void = { _ in })
        throws -> (pipeline: RunningPipeline, config: HelioConfiguration, workload: RandomWorkload) {
        var workload = RandomWorkload(seed: seed)
        try workload.seed(try source())
        var config = userConfiguration()
        try configure(&config)
        let pipeline = RunningPipeline(self, config: config)
        try waitForSlot()
        return (pipeline, config, workload)
    }

    func verifier() throws -> WarehouseVerifier {
        let config = configuration()
        return WarehouseVerifier(source: try source(), warehouse: try warehouse(), piiKey: config.piiKey!,
                                 timezone: config.timezone, sampleMinutes: config.sampleMinutes)
    }

    /// Waits until the warehouse equals the source; returns the remaining differences on timeout.
    @discardableResult
    func waitForWarehouse(within seconds: Double = 90) throws -> [WarehouseVerifier.Difference] {
        let verifier = try verifier()
        var differences: [WarehouseVerifier.Difference] = []
        do {
            try eventually("the warehouse to equal the source", within: seconds) {
                differences = (try? verifier.verify()) ?? [WarehouseVerifier.Difference(check: "verify", key: "-", detail: "warehouse not ready")]
                return differences.isEmpty
            }
        } catch is TimedOut {}
        return differences
    }

    /// How far apply has read the transaction topic (the sum of its partitions' next offsets).
    func appliedTransactionOffset() throws -> Int {
        Int(try warehouse().execute(
            "SELECT coalesce(sum(next_offset), 0) FROM dw.consumer_offsets WHERE topic = $1", [transactionTopic]).scalar ?? "0") ?? 0
    }

    /// Forgets apply's stored offsets and applies every topic again from the start (apply
    /// alone), until it has read the transaction topic as far as before.
    func replayEverything(config: HelioConfiguration? = nil) throws {
        let end = try appliedTransactionOffset()
        try warehouse().execute("DELETE FROM dw.consumer_offsets")
        let replay = RunningPipeline(self, config: config, withCapture: false)
        try eventually("the replay to reach the end of the transaction topic") { try appliedTransactionOffset() >= end }
        try replay.finish()
    }

    /// Row counts of every warehouse table, to prove a replay added nothing.
    func warehouseCounts() throws -> [String: Int] {
        let warehouse = try warehouse()
        var counts: [String: Int] = [:]
        for table in ["dim_users", "dim_units", "dim_devices", "dim_day_climate", "fact_energy"] {
            counts[table] = Int(try warehouse.execute("SELECT count(*) FROM dw.\(table)").scalar ?? "0")
        }
        return counts
    }
}
