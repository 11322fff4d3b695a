import Foundation
import HelioApply
import HelioJobs
import HelioOps
import HelioTestSupport
import Testing

/// `helio verify` and the reconciliation job find the two climate defects of issue #15 in
/// the state they left a warehouse in: readings a late truncate wiped (the aggregates no
/// longer equal the source), and a unit-day whose readings came and went inside one batch
/// (no climate row at all; the readings' tombstones never learned their unit and day).
@Suite("Climate verification", .serialized)
struct ClimateVerificationTests {
    @Test("verify and reconciliation find both climate defects as they left the warehouse")
    func findsBothDefects() throws {
        let env = try TestEnvironment("climateverify")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 17)
        try workload.seed(try env.source())
        let source = try env.source()
        let units = try source.execute("SELECT id::text FROM units ORDER BY id LIMIT 2").rows.compactMap { $0[0] }
        let pipeline = RunningPipeline(env)
        try env.waitForSlot()
        // Nine readings on one unit-day, seven on another that are then deleted.
        for (unit, day, count) in [(units[0], "2026-03-10", 9), (units[1], "2026-03-11", 7)] {
            try source.execute("""
                INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
                SELECT $1::bigint, ($2 || ' 08:00-03')::timestamptz + g * interval '15 minutes', 100 + g, 30, 20
                FROM generate_series(1, $3::int) g
                """, [unit, day, String(count)])
        }
        try source.execute("DELETE FROM irradiance WHERE unit_id = $1", [units[1]])
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        try pipeline.finish()
        let warehouse = try env.warehouse()
        #expect(try warehouse.execute("SELECT sample_count FROM dw.dim_day_climate WHERE unit_id = $1 AND day = '2026-03-11'",
                                      [units[1]]).scalar == "0", "the emptied unit-day keeps its row")

        // Defect 1 as it left the warehouse: seven of the nine readings wiped by a truncate
        // applied too late, the climate row recomputed from what was left.
        try warehouse.execute("""
            DELETE FROM dw.irradiance_mirror WHERE id IN (
                SELECT id FROM dw.irradiance_mirror WHERE unit_id = $1 ORDER BY id LIMIT 7)
            """, [units[0]])
        try warehouse.execute("""
            UPDATE dw.dim_day_climate c SET sample_count = a.n, sum_irradiance_wm2 = a.s, avg_irradiance_wm2 = a.a
            FROM (SELECT count(*)::int n, sum(irradiance_wm2) s, avg(irradiance_wm2) a FROM dw.irradiance_mirror
                  WHERE unit_id = $1 AND NOT deleted) a
            WHERE c.unit_id = $1 AND c.day = '2026-03-10'
            """, [units[0]])
        // Defect 2 as it left the warehouse: the batch netted the inserts and the deletes,
        // so the tombstones never learned their unit-day and no climate row was made.
        try warehouse.execute("UPDATE dw.irradiance_mirror SET unit_id = NULL, measured_at = NULL, local_day = NULL WHERE unit_id = $1",
                              [units[1]])
        try warehouse.execute("DELETE FROM dw.dim_day_climate WHERE unit_id = $1 AND day = '2026-03-11'", [units[1]])

        let found = try env.verifier().verify()
        let text = found.map(\.description)
        #expect(text.contains { $0.hasPrefix("dim_day_climate [\(units[0]) 2026-03-10]: sample_count: source 9, warehouse 2") }, "\(text)")
        #expect(found.filter { $0.check == "dim_day_climate rows kept" && $0.detail.contains("without its unit and day") }.count == 7,
                "\(text)")

        // The same warehouse with the tombstones knowing their unit-day: the missing row itself is named.
        try warehouse.execute("UPDATE dw.irradiance_mirror SET unit_id = $1, local_day = '2026-03-11' WHERE unit_id IS NULL", [units[1]])
        let again = try env.verifier().verify().map(\.description)
        #expect(again.contains("dim_day_climate rows kept [\(units[1]) 2026-03-11]: readings of this unit and day reached the warehouse, but it has no dim_day_climate row"),
                "\(again)")

        // The reconciliation job runs the same verifier and alerts with both keys.
        var config = env.userConfiguration()
        config.schedule.reconciliationConfirmSeconds = 0.2
        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: env.logger)
        try ReconciliationCheck(config: config, alerts: alerts)
            .run(JobContext(job: "reconciliation", scheduledAt: Date(), logger: env.logger, shouldStop: { false }))
        let alert = try #require(alerts.history.first)
        #expect(alert.severity == .critical)
        #expect(alert.keys.contains("dim_day_climate: \(units[0]) 2026-03-10"), "\(alert.keys)")
        #expect(alert.keys.contains("dim_day_climate rows kept: \(units[1]) 2026-03-11"), "\(alert.keys)")
    }
}
