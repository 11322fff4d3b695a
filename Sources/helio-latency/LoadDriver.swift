import Histogram
import HelioPostgres

/// Inserts `energy` rows at a fixed rate: a token bucket refilled at `rate` rows/s, drained
/// every `tickMicros` by one transaction holding every row due by then. A transaction that
/// falls behind (a slow commit) is followed by a larger one, so the rate holds on average
/// without a burst larger than `maxRowsPerTransaction`. Every `churnIntervalMicros` the
/// transaction also upgrades one device's firmware (a type-2 column), so that the applier
/// keeps opening dimension versions and keying facts to them, as in production.
struct LoadDriver {
    struct Plan {
        var rate: Int
        var tickMicros: Int64
        var devices: Int
        var churnIntervalMicros: Int64
        var maxRowsPerTransaction: Int { max(1, rate / 10) }
    }

    struct Report {
        var rowsInserted = 0
        var rowsMeasured = 0
        var measuredMicros: Int64 = 0
        var transactions = 0
        var dimensionChanges = 0
        /// The largest number of rows due but not yet inserted at a tick.
        var largestBacklog = 0
        /// Duration of each insert transaction, commit included (µs).
        var transactionDurations = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                                     numberOfSignificantValueDigits: .three)
        var achievedRate: Double { measuredMicros > 0 ? Double(rowsMeasured) * 1e6 / Double(measuredMicros) : 0 }
    }

    let sourceURL: String
    let plan: Plan

    func run(window: MeasurementWindow, shouldStop: () -> Bool) throws -> Report {
        let connection = try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-latency-load"))
        var report = Report()
        let start = WallClock.nowMicros()
        window.start(atMicros: start)
        let measuredStart = window.measuredStartMicros
        let end = window.endMicros
        var rowsAtMeasuredStart: Int?
        var measuredStartActual = measuredStart
        var nextTick = start
        var lastChurn = start
        while !shouldStop() {
            let now = WallClock.nowMicros()
            if now >= end { break }
            if rowsAtMeasuredStart == nil && now >= measuredStart {
                rowsAtMeasuredStart = report.rowsInserted
                measuredStartActual = now
            }
            let due = Int(Double(now - start) * Double(plan.rate) / 1e6) - report.rowsInserted
            report.largestBacklog = max(report.largestBacklog, due)
            if due > 0 {
                let rows = min(due, plan.maxRowsPerTransaction)
                var sql = ""
                if now - lastChurn >= plan.churnIntervalMicros {
                    lastChurn = now
                    report.dimensionChanges += 1
                    let device = 1 + report.dimensionChanges % plan.devices
                    sql += "UPDATE devices SET firmware_version = 'lat-\(report.dimensionChanges)', updated_at = now() WHERE id = \(device);\n"
                }
                sql += insert(first: report.rowsInserted + 1, last: report.rowsInserted + rows)
                // Several statements in one simple query run as one transaction.
                let began = WallClock.nowMicros()
                try connection.executeScript(sql)
                report.transactionDurations.record(UInt64(max(0, WallClock.nowMicros() - began)))
                report.rowsInserted += rows
                report.transactions += 1
            }
            nextTick = max(nextTick + plan.tickMicros, WallClock.nowMicros())
            WallClock.sleep(until: min(nextTick, end))
        }
        let finished = min(WallClock.nowMicros(), end)
        report.rowsMeasured = report.rowsInserted - (rowsAtMeasuredStart ?? report.rowsInserted)
        report.measuredMicros = max(0, finished - measuredStartActual)
        return report
    }

    /// Rows numbered `first…last`: device `1 + n % devices`, one reading per device and
    /// minute, so (device_id, measured_at) stays unique.
    private func insert(first: Int, last: Int) -> String {
        """
        INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
        SELECT 1 + g % \(plan.devices), timestamptz '2024-01-01 00:00:00+00' + (g / \(plan.devices)) * interval '1 minute',
               (g % 9973) * 0.0013, (g % 7919) * 0.0027
        FROM generate_series(\(first)::bigint, \(last)::bigint) g;
        """
    }
}
