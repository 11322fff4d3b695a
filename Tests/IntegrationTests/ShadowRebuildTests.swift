import Foundation
import HelioApply
import HelioJobs
import HelioOps
import HelioTestSupport
import Logging
import Testing

/// The monthly backup verification (`shadow_rebuild`) beside a real pipeline: the warehouse
/// rebuilt from the topics into `dw_shadow` equals the live one (no alert, the shadow dropped);
/// after a difference is planted in the live warehouse, the job names it and keeps the shadow.
@Suite("Shadow rebuild (the monthly job)", .serialized)
struct ShadowRebuildTests {
    @Test("a rebuild from the topics equals the live warehouse; a planted difference is found and the shadow kept")
    func rebuildAndCompare() throws {
        let env = try TestEnvironment("shadowrebuild")
        defer { env.drop() }
        var (pipeline, config, workload) = try env.seededPipeline(seed: 37)
        try workload.run(try env.source(), transactions: 40)
        #expect(try env.waitForWarehouse().isEmpty)
        try pipeline.finish()

        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
        let check = ShadowRebuildCheck(config: config, idleSeconds: 3, alerts: alerts)
        let context = JobContext(job: "shadow_rebuild", scheduledAt: Date(), logger: env.logger, shouldStop: { false })
        try check.run(context)
        #expect(alerts.history.isEmpty, "\(alerts.history)")
        let warehouse = try env.warehouse()
        #expect(try warehouse.execute("SELECT to_regclass('dw_shadow.fact_energy')::text").scalar == nil, "a clean comparison drops the shadow")

        let unit = try #require(try warehouse.execute("SELECT unit_id::text FROM dw.dim_units WHERE is_current ORDER BY unit_id LIMIT 1").scalar)
        try warehouse.execute("UPDATE dw.dim_units SET city = 'Drifted' WHERE unit_id = $1::bigint AND is_current", [unit])
        try check.run(context)
        let alert = try #require(alerts.history.last)
        #expect(alert.check == "shadow_rebuild" && alert.severity == .warning, "\(alert)")
        #expect(alert.details.first == "dim_units [\(unit)]: current version differs", "\(alert.details)")
        #expect(try warehouse.execute("SELECT to_regclass('dw_shadow.fact_energy')::text").scalar != nil, "the shadow is kept for inspection")
    }
}
