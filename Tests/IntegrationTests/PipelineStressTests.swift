import Foundation
import HelioTestSupport
import Testing

/// How many randomized pipelines `bench/pipelines` runs (`HELIO_PIPELINE_RUNS`); 0 in `make test`.
enum PipelineStress {
    static let runs = Int(ProcessInfo.processInfo.environment["HELIO_PIPELINE_RUNS"] ?? "") ?? 0
}

/// Many short pipelines from a fresh slot, each with its own seed, batch size and batch wait,
/// started while the workload already writes. Bugs that depend on timing (where the first
/// streamed change lands, what one batch holds, when the watermark passes) show up here as
/// one failed pipeline among many: this loop found the snapshot rows that shared their `lsn`
/// with the change at the consistent point (1 in 16 runs under load). Off in `make test`;
/// `bench/pipelines [RUNS]` runs it (docs/reliability.md).
@Suite("Randomized pipelines (bench/pipelines)", .serialized, .enabled(if: PipelineStress.runs > 0))
struct PipelineStressTests {
    @Test("a randomized pipeline from a fresh slot leaves the warehouse equal to the source",
          arguments: Array(0..<max(PipelineStress.runs, 1)))
    func randomizedPipeline(_ run: Int) throws {
        let env = try TestEnvironment("pipelines")
        defer { env.drop() }
        var workload = RandomWorkload(seed: UInt64(1000 + run))
        try workload.seed(try env.source())
        var config = env.userConfiguration()
        config.batchSize = [5000, 50, 200, 17][run % 4]
        config.batchWaitMilliseconds = [100, 10, 300, 50][(run / 4) % 4]
        let pipeline = RunningPipeline(env, config: config)
        try workload.run(try env.source(), transactions: 150)
        let differences = try env.waitForWarehouse(within: 60)
        #expect(differences.isEmpty, "run \(run) (seed \(1000 + run), batch \(config.batchSize), wait \(config.batchWaitMilliseconds) ms): \(differences.prefix(5))")
        try pipeline.finish()
    }
}
