import Foundation
import HelioTestSupport
import Testing

/// What `make run` shows a newcomer: `helio run --demo` (the built binary) with the shipped
/// default rules flags the simulator's implausible readings, and the status page's quality
/// panel counts them. A larger share than the default, so a short run has enough.
@Suite("The demo shows data quality at work (the built binary)", .serialized)
struct DemoQualityTests {
    @Test("helio run --demo: the default rules flag the spikes the simulator writes; the status page's panel lists them")
    func demoFlagsShowOnTheStatusPage() throws {
        let env = try TestEnvironment("demoquality")
        defer { env.drop() }
        let port = try freeLoopbackPort()
        var environment = HelioProcess.environment(env.userConfiguration())
        environment["HELIO_METRICS_ADDR"] = "127.0.0.1:\(port)"
        let log = env.spoolDirectory + "-run.log"
        let helio = try launchHelio(["run", "--demo", "--simulate-url", env.sourceURL, "--users", "4", "--rate", "0",
                                     "--time-scale", "0", "--max-changes", "2500", "--implausible-share", "0.05"],
                                    environment: environment, log: log)
        defer { if helio.isRunning { helio.terminate(); helio.waitUntilExit() } }
        let read = { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        try eventually("the simulator to finish its changes", within: 120) { read().contains("simulator stopped") }
        #expect(read().contains("implausible readings"), "the run summary counts them: \(read())")
        try eventually("the warehouse to hold the spikes' flags", within: 120) {
            let flagged = try? env.warehouse().execute("""
                SELECT (SELECT count(*) FROM dw.fact_energy WHERE 'energy.energy_kwh.nominal_power' = ANY (quality_flags))
                     + (SELECT count(*) FROM dw.irradiance_mirror WHERE 'irradiance.irradiance_wm2.range' = ANY (quality_flags))
                """).scalar
            return (flagged.flatMap { Int($0 ?? "") } ?? 0) > 0
        }
        // The panel reloads once a minute: the page shows the flags within about that.
        var page = ""
        try eventually("the status page's quality panel to list the flags", within: 150) {
            page = httpGet("http://127.0.0.1:\(port)/")?.body ?? ""
            return page.contains(#"<tr data-rule="irradiance.irradiance_wm2.range">"#)
                && page.contains(#"<tr data-rule="energy.energy_kwh.nominal_power">"#)
        }
        #expect(page.contains(#"<svg id="chart-quality" class="chart""#), "\(page)")
        #expect(page.contains("Quarantine holds nothing."), "the shipped rules are flag only: \(page)")
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "flags keep the warehouse equal to the source: \(differences.prefix(10))")
    }
}
