import Foundation
import HelioApply
import HelioJobs
import HelioOps
import HelioPostgres
import HelioTestSupport
import Logging
import Testing

/// The weekly re-check (`quality_recheck`, `dw.quality_recheck`) on a warehouse written the way
/// apply writes it with the shipped rules: quiet while the stored flags agree, an alert naming
/// the row when a flag is lost (planted), the alert resolved once it agrees again.
@Suite("Quality re-check (the weekly job)", .serialized)
struct QualityRecheckTests {
    static let now = ISO8601DateFormatter().date(from: "2026-04-10T12:00:00Z")!

    @Test("the weekly re-check finds a planted difference and names the row; quiet when flags agree")
    func findsPlantedDifference() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tqrecheck") { connection in
            let commit = Self.now.addingTimeInterval(-2 * 86_400)
            try QualityFixture.apply(connection, [
                .init(commit: commit, readings: [.init(device: 5, energyKWh: "0.9000", measuredAt: commit),
                                                 .init(device: 5, energyKWh: "12.0000", measuredAt: commit.addingTimeInterval(900)),
                                                 .init(device: 6, energyKWh: "0.5000", measuredAt: commit)],
                      irradiance: [(wm2: "9000.00", measuredAt: commit)]),
            ])
            let database = try connection.execute("SELECT current_database()").scalar ?? ""
            let url = LocalStack.url(stack.warehouseAdminURL, database: database)
            let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
            let check = QualityRecheckCheck(warehouseURL: url, applyConfig: ApplyService.configuration(HelioConfiguration()), alerts: alerts)
            let context = JobContext(job: "quality_recheck", scheduledAt: Self.now, logger: Logger(label: "test"), shouldStop: { false })

            let clean = try check.recheck(now: Self.now)
            #expect(clean.checked == 4 && clean.differences.isEmpty, "\(clean)")
            try check.run(context)
            #expect(alerts.history.isEmpty)

            // Planted: the over-nominal reading's flag lost.
            let flagged = try #require(try connection.execute(
                "SELECT source_id::text FROM dw.fact_energy WHERE 'energy.energy_kwh.nominal_power' = ANY (quality_flags)").scalar)
            try connection.execute("UPDATE dw.fact_energy SET quality_flags = NULL WHERE source_id = $1::bigint", [flagged])
            try check.run(context)
            let alert = try #require(alerts.history.last)
            #expect(alert.check == "quality_recheck" && alert.severity == .warning, "\(alert)")
            #expect(alert.summary == "quality re-check: 1 of 4 rows of the last 7 days differ from their stored flags", "\(alert.summary)")
            #expect(alert.details.first == "energy row \(flagged): energy.energy_kwh.nominal_power unflagged", "\(alert.details)")

            // Outside the window nothing is judged.
            #expect(try check.recheck(now: Self.now.addingTimeInterval(30 * 86_400)).checked == 0)
        }
    }
}
