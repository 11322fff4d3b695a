import Foundation
import HelioJobs
import HelioOps
import HelioPostgres
@testable import HelioServer
import HelioTestSupport
import Synchronization
import Testing

/// The status page's data-quality panel: the counts it is built from, how it renders in each
/// state, the feed that loads it, and the warehouse reads behind it (a scratch warehouse of
/// the local stack).
@Suite("Status page quality panel", .serialized)
struct StatusPageQualityTests {
    /// 2026-04-10 12:30 UTC: the current hour began at 12:00.
    static let now = Date(timeIntervalSince1970: 1_775_824_200)
    static let hour = 1_775_822_400.0

    @Test("a day of flags per hour, zeros included; the top rules of that day; older hours left out")
    func panel() {
        var counts = [
            QualityPanel.Count(hour: Self.hour, table: "energy", rule: "energy.energy_kwh.nominal_power", violations: 7),
            QualityPanel.Count(hour: Self.hour, table: "irradiance", rule: "irradiance.irradiance_wm2.range", violations: 3),
            QualityPanel.Count(hour: Self.hour - 3_600, table: "irradiance", rule: "irradiance.irradiance_wm2.range", violations: 5),
            QualityPanel.Count(hour: Self.hour - 23 * 3_600, table: "energy", rule: "energy.energy_kwh.range", violations: 1),
            QualityPanel.Count(hour: Self.hour - 24 * 3_600, table: "energy", rule: "energy.power_kw.range", violations: 100),  // a day ago: out
        ]
        let panel = QualityPanel(asOf: Self.now, counts: counts, quarantine: .empty)
        #expect(panel.perHour.count == 24)
        #expect(panel.perHour.first?.time == Self.hour - 23 * 3_600 && panel.perHour.last?.time == Self.hour)
        #expect(panel.perHour.map(\.value).suffix(2) == [5, 10] && panel.perHour.first?.value == 1)
        #expect(panel.perHour.map(\.value).reduce(0, +) == 16 && panel.total == 16)
        #expect(panel.topRules.map(\.rule) == ["irradiance.irradiance_wm2.range", "energy.energy_kwh.nominal_power", "energy.energy_kwh.range"])
        #expect(panel.topRules.map(\.violations) == [8, 7, 1])

        counts = (1...12).map { QualityPanel.Count(hour: Self.hour, table: "energy", rule: "rule\($0)", violations: $0) }
        let many = QualityPanel(asOf: Self.now, counts: counts, quarantine: .notBuilt)
        #expect(many.topRules.count == 10 && many.ruleCount == 12 && many.topRules.first?.rule == "rule12")
        let page = StatusPage.quality(.ready(many), now: Self.now)
        #expect(page.contains("<caption>top 10 of 12 rules</caption>"), "\(page)")
    }

    @Test("the page draws the chart, the top rules and the oldest quarantined change; each other state says what it is")
    func page() {
        let panel = QualityPanel(asOf: Self.now, counts: [
            .init(hour: Self.hour, table: "energy", rule: "energy.energy_kwh.nominal_power", violations: 7),
            .init(hour: Self.hour - 7_200, table: "irradiance", rule: "irradiance.<b>", violations: 2),
        ], quarantine: .oldest(table: "energy", rowID: "42", rules: "energy.energy_kwh.range", committed: "2026-04-10T11:00:00Z", held: 3))
        let page = StatusPage.render(HealthState(), quality: .ready(panel), now: Self.now)
        #expect(page.contains("<h2>Data quality</h2>"))
        #expect(page.contains(#"<svg id="chart-quality" class="chart""#) && page.contains("<polyline"), "\(page)")
        #expect(page.contains(">−12 h<") && page.contains("this hour so far <strong>7</strong>"), "\(page)")
        #expect(page.contains(#"<tr data-rule="energy.energy_kwh.nominal_power"><td>energy.energy_kwh.nominal_power</td><td>energy</td><td class="number">7</td></tr>"#), "\(page)")
        #expect(page.contains("irradiance.&lt;b&gt;") && !page.contains("irradiance.<b>"), "rule names are escaped")
        #expect(page.contains(#"<td class="number" id="quality-total">9</td>"#))
        #expect(page.contains("Quarantine holds <strong>3</strong> changes; the oldest: energy row 42, committed 2026-04-10T11:00:00Z, failed energy.energy_kwh.range"), "\(page)")

        #expect(StatusPage.quality(.ready(QualityPanel(asOf: Self.now, counts: [], quarantine: .notBuilt)), now: Self.now)
            .contains("No flags in the last 24 hours.") )
        #expect(StatusPage.quarantine(.notBuilt).contains("No quarantine in this warehouse."))
        #expect(StatusPage.quarantine(.empty).contains("Quarantine holds nothing."))
        #expect(StatusPage.quality(.unavailable("needs the warehouse"), now: Self.now).contains("needs the warehouse"))
        #expect(StatusPage.quality(.loading, now: Self.now).contains("Reading the warehouse"))
        #expect(StatusPage.quality(.failed("connection refused"), now: Self.now).contains("could not be read: connection refused"))
        #expect(StatusPage.render(HealthState(), now: Self.now).contains("No data-quality panel in this process."))
    }

    struct Refused: Error, CustomStringConvertible { var description: String { "warehouse unreachable" } }

    @Test("the feed keeps the last load: loading, ready, failed; an unavailable feed never loads")
    func feed() async {
        let fail = Mutex(false)
        let feed = QualityPanelFeed {
            if fail.withLock({ $0 }) { throw Refused() }
            return QualityPanel(asOf: Self.now, counts: [], quarantine: .empty)
        }
        #expect(feed.state == .loading)
        await feed.refresh()
        #expect(feed.state == .ready(QualityPanel(asOf: Self.now, counts: [], quarantine: .empty)))
        fail.withLock { $0 = true }
        await feed.refresh()
        #expect(feed.state == .failed("warehouse unreachable"))
        let off = QualityPanelFeed.unavailable("no warehouse here")
        await off.run()
        #expect(off.state == .unavailable("no warehouse here"))
    }

    @Test("while loads fail the feed retries at the short interval; once one succeeds it waits for the long one")
    func retries() async throws {
        let loads = Mutex(0)
        let feed = QualityPanelFeed(intervalSeconds: 3_600, retrySeconds: 0.05) {
            let n = loads.withLock { $0 += 1; return $0 }
            if n < 3 { throw Refused() }
            return QualityPanel(asOf: Self.now, counts: [], quarantine: .empty)
        }
        let running = Task { await feed.run() }
        defer { running.cancel() }
        for _ in 0..<400 where feed.state != .ready(QualityPanel(asOf: Self.now, counts: [], quarantine: .empty)) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(feed.state == .ready(QualityPanel(asOf: Self.now, counts: [], quarantine: .empty)), "two failures, then a load that works")
        try await Task.sleep(for: .milliseconds(300))
        #expect(loads.withLock { $0 } == 3, "no load after the first good one within the hour")
    }

    @Test("the warehouse's flags per hour by commit time, and quarantine absent, empty or holding")
    func warehouse() throws {
        let stack = try LocalStack.fromEnvironment()
        try stack.withScratchWarehouse("tqpanel") { connection in
            let findings = QualityFindings(connection: connection)
            #expect(try !findings.isMigrated(), "before apply's first start")
            try QualityFixture.apply(connection, QualityRateJumpTests.history())
            #expect(try findings.isMigrated())
            let end = QualityRateJumpTests.now
            let counts = try findings.perHour(since: end.addingTimeInterval(-24 * 3_600))
            let panel = QualityPanel(asOf: end.addingTimeInterval(-1), counts: counts.map {
                QualityPanel.Count(hour: $0.hour, table: $0.table, rule: $0.rule, violations: $0.violations)
            }, quarantine: .empty)
            // The last hour: 30 nominal power, 25 irradiance and a negative energy (two rules).
            #expect(panel.perHour.last?.value == 57, "\(panel.perHour)")
            // Each earlier hour: two nominal power and one negative energy (two rules).
            #expect(panel.perHour.dropLast().allSatisfy { $0.value == 4 }, "\(panel.perHour)")
            #expect(panel.topRules.first == .init(rule: "energy.energy_kwh.nominal_power", table: "energy", violations: 30 + 2 * 23))

            #expect(try findings.quarantine() == .empty)
            try connection.execute("""
                INSERT INTO dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules)
                VALUES ('energy', 9, '0/9000', '0/8F00', 'c', '2026-04-10 10:00:00+00', '{}', '{energy.energy_kwh.range}'),
                       ('irradiance', 3, '0/5000', '0/4F00', 'c', '2026-04-10 09:00:00+00', '{}', '{irradiance.irradiance_wm2.range,irradiance.module_temp_c.range}')
                """)
            guard case let .oldest(table, rowID, rules, committed, _, held) = try findings.quarantine() else {
                Issue.record("no oldest entry")
                return
            }
            #expect(table == "irradiance" && rowID == "3" && held == 2)
            #expect(rules == "irradiance.irradiance_wm2.range, irradiance.module_temp_c.range" && committed == "2026-04-10T09:00:00Z")
            try connection.execute("DROP TABLE dw.quarantine")
            #expect(try findings.quarantine() == .absent)
        }
    }
}
