import Foundation
import HelioJobs
import HelioOps
import HelioPostgres
import HelioTestSupport
import Logging
import Testing

/// The alert when a data-quality rule's rate jumps: the decision (`QualityRateJump`, pure) and
/// the scheduled check against a scratch warehouse of the local stack (`QualityRateJumpCheck`).
@Suite("Data-quality rate jump", .serialized)
struct QualityRateJumpTests {
    typealias Window = QualityFindings.RuleWindow

    @Test("a jump needs the ratio and the minimum; no baseline, no jump")
    func decision() {
        let rule = QualityRateJump(ratio: 5, minimum: 20)
        let windows = [
            Window(table: "energy", rule: "steady", recent: 30, before: 24 * 30),   // 1 ×
            Window(table: "energy", rule: "jumped", recent: 50, before: 24 * 2),    // 25 ×
            Window(table: "energy", rule: "small", recent: 12, before: 0),          // new, below the minimum
            Window(table: "irradiance", rule: "new", recent: 20, before: 0),        // new, at the minimum
            Window(table: "energy", rule: "almost", recent: 40, before: 24 * 9),    // 4.4 ×
        ]
        let jumps = rule.jumps(windows, baselineHours: 24)
        #expect(jumps.map(\.rule) == ["jumped", "new"])
        #expect(jumps[0].description == "jumped (energy): 50 in the last hour, 25 × its hourly average of 2 over the day before")
        #expect(jumps[1].description == "new (irradiance): 20 in the last hour, none the day before")
        // Six hours of history: 'almost' had 9 an hour × 24 = 216 flags in 6 hours, i.e. 36 an hour.
        #expect(rule.jumps(windows, baselineHours: 6).map(\.rule) == ["jumped", "new"])
        #expect(rule.jumps(windows, baselineHours: 48).map(\.rule) == ["jumped", "new"], "at most a day")
        #expect(rule.jumps(windows, baselineHours: 0.5).isEmpty, "less than an hour of history: no baseline")
        #expect(QualityRateJump(ratio: 5, minimum: 60).jumps(windows, baselineHours: 24).isEmpty)
    }

    static let now = ISO8601DateFormatter().date(from: "2026-04-10T12:00:00Z")!

    /// A day of one nominal-power flag an hour on each plant, then in the last hour 30 on
    /// plant 7 and 25 irradiance spikes; negative energy once an hour throughout.
    static func history() -> [QualityFixture.Transaction] {
        var transactions: [QualityFixture.Transaction] = []
        for hour in 2...25 {
            let commit = now.addingTimeInterval(-Double(hour) * 3_600)
            transactions.append(.init(commit: commit, readings: [
                .init(device: 5, energyKWh: "12.0000", measuredAt: commit),
                .init(device: 6, energyKWh: "12.0000", measuredAt: commit),
                .init(device: 6, energyKWh: "-1.0000", measuredAt: commit.addingTimeInterval(-900)),
                .init(device: 5, energyKWh: "0.9000", measuredAt: commit.addingTimeInterval(-900)),
            ]))
        }
        let recent = now.addingTimeInterval(-1_800)
        transactions.append(.init(
            commit: recent,
            readings: (0..<30).map { .init(device: 5, energyKWh: "12.0000", measuredAt: recent.addingTimeInterval(-Double($0) * 60)) }
                + [.init(device: 6, energyKWh: "-1.0000", measuredAt: recent)],
            irradiance: (0..<25).map { ("9000.00", recent.addingTimeInterval(-Double($0) * 60)) }))
        return transactions
    }

    @Test("the check alerts once for the rules that jumped, by commit time, and stays quiet on a steady rate")
    func check() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tqjump") { connection in
            try QualityFixture.apply(connection, Self.history())
            let database = try connection.execute("SELECT current_database()").scalar ?? ""
            let url = LocalStack.url(stack.warehouseAdminURL, database: database)

            let windows = try QualityFindings(connection: connection).perRule(until: Self.now)
            #expect(windows.contains(Window(table: "energy", rule: "energy.energy_kwh.nominal_power", recent: 30, before: 48)), "\(windows)")
            #expect(windows.contains(Window(table: "energy", rule: "energy.energy_kwh.range", recent: 1, before: 24)), "\(windows)")
            #expect(windows.contains(Window(table: "irradiance", rule: "irradiance.irradiance_wm2.range", recent: 25, before: 0)), "\(windows)")

            let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
            let check = QualityRateJumpCheck(warehouseURL: url, ratio: 5, minimum: 20, alerts: alerts)
            func run(at time: Date) throws {
                try check.run(JobContext(job: "quality_jump", scheduledAt: time, logger: Logger(label: "test"), shouldStop: { false }))
            }
            try run(at: Self.now)
            let alert = try #require(alerts.history.last)
            #expect(alerts.history.count == 1)
            #expect(alert.check == "quality_jump" && alert.severity == .warning)
            #expect(alert.keys == ["energy.energy_kwh.nominal_power", "irradiance.irradiance_wm2.range"], "\(alert)")
            #expect(alert.summary == "2 data-quality rules jumped: energy.energy_kwh.nominal_power 30, irradiance.irradiance_wm2.range 25 flags in the last hour")
            #expect(alert.details.first == "energy.energy_kwh.nominal_power (energy): 30 in the last hour, 15 × its hourly average of 2 over the day before")

            // A higher minimum: 30 and 25 are not enough.
            let strict = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
            try QualityRateJumpCheck(warehouseURL: url, ratio: 5, minimum: 40, alerts: strict)
                .run(JobContext(job: "quality_jump", scheduledAt: Self.now, logger: Logger(label: "test"), shouldStop: { false }))
            #expect(strict.history.isEmpty)

            // Two hours earlier the rate was steady: nothing to say.
            try run(at: Self.now.addingTimeInterval(-2 * 3_600))
            #expect(alerts.history.count == 1)
            // Before any history there is no baseline.
            try run(at: Self.now.addingTimeInterval(-24 * 3_600))
            #expect(alerts.history.count == 1)
        }
    }

    @Test("the check is scheduled in apply's process with a warehouse, on its configured schedule, and refuses a ratio of 1 or less")
    func scheduled() throws {
        var config = HelioConfiguration()
        config.warehouseURL = "postgresql://localhost/warehouse"
        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
        let jobs = try ScheduledChecks.jobs(config: config, components: [.apply], alerts: alerts, logger: Logger(label: "test"))
        #expect(jobs.contains { $0.name == "quality_jump" })
        config.schedule.qualityCheck = nil
        #expect(!(try ScheduledChecks.jobs(config: config, components: [.apply], alerts: alerts, logger: Logger(label: "test")))
            .contains { $0.name == "quality_jump" })
        #expect(!(try ScheduledChecks.jobs(config: HelioConfiguration(), components: [.apply], alerts: alerts, logger: Logger(label: "test")))
            .contains { $0.name == "quality_jump" })

        var schedule = ScheduleConfiguration()
        #expect(schedule.qualityCheck == "*/15 * * * *" && schedule.qualityJumpRatio == 5 && schedule.qualityJumpMinimum == 20)
        try schedule.apply(environment: ["HELIO_SCHEDULE_QUALITY_CHECK": "@hourly", "HELIO_QUALITY_JUMP_RATIO": "3",
                                         "HELIO_QUALITY_JUMP_MIN_VIOLATIONS": "50"])
        #expect(schedule.qualityCheck == "@hourly" && schedule.qualityJumpRatio == 3 && schedule.qualityJumpMinimum == 50)
        #expect(throws: ConfigurationError.self) { try schedule.apply(environment: ["HELIO_QUALITY_JUMP_RATIO": "1"]) }
        #expect(throws: ConfigurationError.self) { try schedule.apply(environment: ["HELIO_QUALITY_JUMP_MIN_VIOLATIONS": "0"]) }
    }
}
