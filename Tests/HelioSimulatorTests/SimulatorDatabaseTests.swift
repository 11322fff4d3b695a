import Foundation
import HelioPostgres
import Logging
import Testing
@testable import HelioSimulator

/// The simulator against a real PostgreSQL: needs `HELIO_SOURCE_ADMIN_URL` (fails, never
/// skips, without it). Each test works in a scratch database of its own.
@Suite struct SimulatorDatabaseTests {
    static let zone = "America/Sao_Paulo"
    /// 2026-01-31 00:00 in São Paulo: the run crosses a local noon, nights and a month boundary.
    static let start = Date(timeIntervalSince1970: 1_769_828_400)
    static let logger = Logger(label: "helio.simulator.tests") { _ in SwiftLogNoOpLogHandler() }

    /// Without implausible readings unless asked: these tests check the plausible model.
    static func options(seed: UInt64 = 7, maxChanges: Int = 2000, implausibleShare: Double = 0) -> SimulatorOptions {
        SimulatorOptions(seed: seed, users: 4, unitsPerUser: 1...2, devicesPerUnit: 2...3, ratePerSecond: 0,
                         maxChanges: maxChanges, timezone: zone, startTime: start, implausibleShare: implausibleShare)
    }

    static func count(_ c: PostgresConnection, _ sql: String) throws -> Int {
        try #require(Int(try c.execute(sql).scalar ?? ""), "no number from \(sql)")
    }

    @Test func seedsRunsAndWritesAPlausiblePlatform() throws {
        let database = try ScratchDatabase()
        let c = try database.connect()
        let seeded = try Simulator(connection: c, options: Self.options(), logger: Self.logger).seed()
        #expect(seeded.createdUsers == 4 && seeded.existingUsers == 0)
        #expect((4...8).contains(seeded.createdUnits))
        #expect(seeded.createdDevices >= seeded.createdUnits * 2)

        // Idempotent: a second seed reuses what is there.
        let simulator = Simulator(connection: c, options: Self.options(), logger: Self.logger)
        let again = try simulator.seed()
        #expect(again.createdUsers == 0 && again.createdUnits == 0 && again.createdDevices == 0)
        #expect(again.existingUsers == 4 && again.existingUnits == seeded.createdUnits && again.existingDevices == seeded.createdDevices)

        let run = try simulator.run { false }
        #expect(run.changes >= 2000 && run.changes < 2100, "\(run)")
        #expect(run.simulatedStart == "2026-01-31T03:00:00Z")

        // The server's counts are the summary's.
        let expected = [
            "users": 4, "units": seeded.createdUnits, "devices": seeded.createdDevices,
            "energy": 0, "energy_compensate": 0, "irradiance": 0,
        ]
        for table in RunSummary.tables {
            let counts = run[table]
            let rows = try Self.count(c, "SELECT count(*) FROM public.\(table)")
            #expect(rows == expected[table]! + counts.inserts - counts.deletes, "\(table): \(counts)")
        }
        #expect(run["energy"].inserts > 300 && run["irradiance"].inserts > 800, "\(run)")

        // Night: no energy and no irradiance between 00:00 and 04:00 local.
        let local = "(measured_at AT TIME ZONE '\(Self.zone)')"
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy WHERE extract(hour FROM \(local)) < 4") == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE extract(hour FROM \(local)) < 4 AND irradiance_wm2 > 0") == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE extract(hour FROM \(local)) < 4") > 0)
        // Noon: every inverter producing, the sun well up everywhere.
        let noon = "\(local) = '2026-01-31 12:00'"
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy WHERE \(noon) AND energy_kwh <= 0") == 0)
        let inverters = try Self.count(c, "SELECT count(*) FROM public.devices WHERE kind = 'inverter' AND installed_at <= '2026-01-31'")
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy WHERE \(noon)") >= inverters - 1)
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE \(noon) AND irradiance_wm2 < 150") == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE irradiance_wm2 > 1200 OR ambient_temp_c NOT BETWEEN 18 AND 34") == 0)

        // Sums: a day's yield of 1–9 kWh per kW of inverter; power never above nominal.
        let yields = try c.execute("""
            SELECT sum(e.energy_kwh) / d.nominal_power_kw FROM public.energy e JOIN public.devices d ON d.id = e.device_id
            WHERE \(local)::date = '2026-01-31' GROUP BY d.id, d.nominal_power_kw
            """).rows.compactMap { $0[0].flatMap(Double.init) }
        #expect(!yields.isEmpty)
        for yield in yields { #expect((1.0...9.0).contains(yield), "daily yield \(yield) kWh/kW") }
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy e JOIN public.devices d ON d.id = e.device_id WHERE e.power_kw > d.nominal_power_kw") == 0)

        // January's bill, one per unit, consistent with itself and with the energy delivered.
        let units = try Self.count(c, "SELECT count(*) FROM public.units WHERE created_at < now()")
        let bills = try Self.count(c, "SELECT count(*) FROM public.energy_compensate WHERE reference_month = '2026-01-01'")
        #expect(bills > 0 && bills <= units)
        #expect(try Self.count(c, """
            SELECT count(*) FROM public.energy_compensate
            WHERE compensated_kwh > consumed_kwh OR credit_balance_kwh < 0
               OR credit_balance_kwh <> injected_kwh - compensated_kwh
            """) == 0)
        #expect(try Self.count(c, """
            SELECT count(*) FROM public.energy_compensate b
            WHERE b.injected_kwh > (SELECT coalesce(sum(e.energy_kwh), 0) FROM public.energy e
                                    JOIN public.devices d ON d.id = e.device_id
                                    WHERE d.unit_id = b.unit_id AND \(local) < '2026-02-01')
            """) == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy_compensate WHERE injected_kwh > 0") > 0)

        // Restart: a new simulator continues the clock right after the latest reading.
        let resumed = try Simulator(connection: c, options: Self.options(maxChanges: 150), logger: Self.logger).run { false }
        let lastEnd = try #require(run.simulatedEnd.flatMap { ISO8601DateFormatter().date(from: $0) })
        let nextStart = try #require(resumed.simulatedStart.flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(nextStart.timeIntervalSince(lastEnd) == 15 * 60)
        #expect(resumed.changes >= 150)
    }

    /// A large share, so that a short run has every kind: each lands in the source as the
    /// default rules would see it, and a restart continues after the last station reading,
    /// not after an inverter's clock hours ahead.
    @Test func writesImplausibleReadingsAndRestartsOnTheStationsClock() throws {
        let database = try ScratchDatabase()
        let c = try database.connect()
        let run = try Simulator(connection: c, options: Self.options(maxChanges: 3000, implausibleShare: 0.05), logger: Self.logger).run { false }
        for kind in ImplausibleReadings.Kind.allCases { #expect((run.implausible[kind.rawValue] ?? 0) > 0, "\(kind): \(run)") }
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE irradiance_wm2 > 1500") >= run.implausible["irradiance_spike"]! - 2)
        #expect(try Self.count(c, """
            SELECT count(*) FROM public.energy e JOIN public.devices d ON d.id = e.device_id
            WHERE e.energy_kwh > d.nominal_power_kw * 0.25 * 1.2
            """) >= run.implausible["energy_spike"]! - 2)
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy WHERE energy_kwh = 0") > 0)
        let offGrid = "extract(epoch FROM measured_at)::bigint % 900 <> 0"
        #expect(try Self.count(c, "SELECT count(*) FROM public.energy WHERE \(offGrid)") > 0)
        #expect(try Self.count(c, "SELECT count(*) FROM public.irradiance WHERE \(offGrid)") == 0)

        let lastEnd = try #require(run.simulatedEnd.flatMap { ISO8601DateFormatter().date(from: $0) })
        let ahead = try #require(Double(try c.execute("SELECT extract(epoch FROM max(measured_at)) FROM public.energy").scalar ?? ""))
        #expect(ahead > lastEnd.timeIntervalSince1970 + 3_600, "an inverter's clock is ahead of the run's")
        let resumed = try Simulator(connection: c, options: Self.options(maxChanges: 100, implausibleShare: 0.05), logger: Self.logger).run { false }
        let nextStart = try #require(resumed.simulatedStart.flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(nextStart.timeIntervalSince(lastEnd) == 15 * 60)
    }

    @Test func sameSeedSameRows() throws {
        func snapshot(seed: UInt64) throws -> [String] {
            let database = try ScratchDatabase()
            let c = try database.connect()
            _ = try Simulator(connection: c, options: Self.options(seed: seed, maxChanges: 600), logger: Self.logger).run { false }
            var lines = try c.execute("SELECT name, email, document, phone, status FROM public.users ORDER BY id").rows
                .map { $0.map { $0 ?? "∅" }.joined(separator: "|") }
            lines += try c.execute("SELECT serial_number, model, nominal_power_kw, firmware_version FROM public.devices ORDER BY id").rows
                .map { $0.map { $0 ?? "∅" }.joined(separator: "|") }
            lines += try c.execute("""
                SELECT d.serial_number, e.measured_at, e.energy_kwh FROM public.energy e
                JOIN public.devices d ON d.id = e.device_id ORDER BY 1, 2
                """).rows.map { $0.map { $0 ?? "∅" }.joined(separator: "|") }
            return lines
        }
        let first = try snapshot(seed: 11), second = try snapshot(seed: 11), other = try snapshot(seed: 12)
        #expect(first.count > 150)
        #expect(first == second)
        #expect(first.prefix(6) != other.prefix(6))
    }

    @Test func pacesToTheRate() throws {
        let database = try ScratchDatabase()
        let c = try database.connect()
        var options = Self.options(maxChanges: 240)
        options.ratePerSecond = 120
        options.timeScale = 0
        let run = try Simulator(connection: c, options: options, logger: Self.logger).run { false }
        // 240 changes at 120/s: about two seconds (the last step may overshoot a little).
        #expect(run.elapsedSeconds > 1.5 && run.elapsedSeconds < 4, "\(run.elapsedSeconds) s")

        options.maxChanges = nil
        options.duration = 1
        let bounded = try Simulator(connection: c, options: options, logger: Self.logger).run { false }
        #expect(bounded.elapsedSeconds >= 0.9 && bounded.elapsedSeconds < 2.5, "\(bounded.elapsedSeconds) s")
        #expect(bounded.changes > 0 && bounded.changesPerSecond < 200)

        var stopped = 0
        let early = try Simulator(connection: c, options: options, logger: Self.logger).run { stopped += 1; return stopped > 3 }
        #expect(early.elapsedSeconds < 1)
    }
}
