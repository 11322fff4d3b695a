import HelioPostgres

/// Monthly net-metering compensation (the utility's bill) per unit. Amounts are kept in
/// ten-thousandths of a kWh, the scale of the columns, so the identities hold exactly:
/// `credit_balance = previous credit + injected − compensated`, `compensated ≤ consumed`,
/// `compensated ≤ injected + previous credit`.
struct Bill: Equatable, Sendable {
    var injected: Int64
    var consumed: Int64
    var compensated: Int64
    var creditBalance: Int64

    /// A unit that generated `generated` in the month: it uses `selfShare` of it on site and
    /// injects the rest; its load is `loadRatio` × generation, and the grid supplies what
    /// self-consumption does not cover. Credits offset grid consumption, the rest carries over.
    static func compute(generated: Int64, selfShare: Double, loadRatio: Double, previousCredit: Int64) -> Bill {
        let g = Double(max(0, generated))
        let injected = Int64((g * (1 - selfShare)).rounded())
        let consumed = Int64(max(0, g * (loadRatio - selfShare)).rounded())
        let compensated = min(consumed, injected + previousCredit)
        return Bill(injected: injected, consumed: consumed, compensated: compensated,
                    creditBalance: previousCredit + injected - compensated)
    }

    static func text(_ tenThousandths: Int64) -> String { Text.decimal(Double(tenThousandths) / 10_000, places: 4) }

    /// Parses a numeric's text (`123.4567`, `-0.5`) into ten-thousandths, exactly.
    static func parse(_ text: String?) -> Int64 {
        guard let text, !text.isEmpty else { return 0 }
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Int64(parts[0]) ?? 0
        var fraction = parts.count > 1 ? String(parts[1].prefix(4)) : ""
        fraction += String(repeating: "0", count: 4 - fraction.count)
        let value = whole * 10_000 + (Int64(fraction) ?? 0)
        return negative ? -value : value
    }
}

/// Writes the bills of a month and the revisions of the latest bills.
struct BillingWriter {
    let connection: PostgresConnection
    let weather: Weather
    let calendar: LocalCalendar

    /// Inserts one row per unit for `month` (first day), from the energy its inverters
    /// delivered in that local month; returns the rows inserted (0 for bills already there).
    func bill(month: CivilDate, units: [UnitRecord]) throws -> Int {
        let from = calendar.midnight(month)
        let to = calendar.midnight(CivilDate(year: month.month == 12 ? month.year + 1 : month.year,
                                             month: month.month % 12 + 1, day: 1))
        let generatedSQL = """
            SELECT d.unit_id, sum(e.energy_kwh) FROM public.energy e JOIN public.devices d ON d.id = e.device_id
            WHERE e.measured_at >= $1::timestamptz AND e.measured_at < $2::timestamptz GROUP BY d.unit_id
            """
        var generated: [Int64: Int64] = [:]
        for row in try connection.execute(generatedSQL, [Timestamp.iso(from), Timestamp.iso(to)]).rows {
            if let unit = row[0].flatMap({ Int64($0) }) { generated[unit] = Bill.parse(row[1]) }
        }
        let creditSQL = """
            SELECT DISTINCT ON (unit_id) unit_id, credit_balance_kwh FROM public.energy_compensate
            WHERE reference_month < $1::date ORDER BY unit_id, reference_month DESC
            """
        var credit: [Int64: Int64] = [:]
        for row in try connection.execute(creditSQL, [month.text]).rows {
            if let unit = row[0].flatMap({ Int64($0) }) { credit[unit] = Bill.parse(row[1]) }
        }
        let rows = units.map { unit -> [String?] in
            let id = UInt64(bitPattern: unit.id)
            let bill = Bill.compute(
                generated: generated[unit.id] ?? 0,
                selfShare: 0.15 + 0.3 * SplitMix64.unitHash(weather.seed, 7, id),
                loadRatio: 0.7 + 0.7 * SplitMix64.unitHash(weather.seed, 8, id, UInt64(month.daysSinceEpoch)),
                previousCredit: credit[unit.id] ?? 0)
            return [String(unit.id), month.text, Bill.text(bill.injected), Bill.text(bill.consumed),
                    Bill.text(bill.compensated), Bill.text(bill.creditBalance)]
        }
        return try ValuesBatch(types: ["bigint", "date", "numeric", "numeric", "numeric", "numeric"]).execute(
            connection,
            prefix: "INSERT INTO public.energy_compensate (unit_id, reference_month, injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh) VALUES ",
            suffix: " ON CONFLICT (unit_id, reference_month) DO NOTHING", rows: rows)
    }

    /// Revises each unit's latest bill: consumption × factor, compensation and credit
    /// recomputed from the bill's own previous credit so the identities still hold.
    func revise(_ revisions: [(unitID: Int64, factor: Double)]) throws -> Int {
        let rows = revisions.map { [String($0.unitID), Text.decimal($0.factor, places: 6)] as [String?] }
        return try ValuesBatch(types: ["bigint", "numeric"]).execute(connection, prefix: """
            UPDATE public.energy_compensate AS t
            SET consumed_kwh = n.consumed, compensated_kwh = n.compensated,
                credit_balance_kwh = n.previous + t.injected_kwh - n.compensated, updated_at = now()
            FROM (
                SELECT c.id, x.consumed, x.previous, least(x.consumed, c.injected_kwh + x.previous) AS compensated
                FROM public.energy_compensate c
                JOIN (VALUES
            """, suffix: """
                ) AS v(unit_id, factor) ON v.unit_id = c.unit_id
                CROSS JOIN LATERAL (SELECT round(c.consumed_kwh * v.factor, 4) AS consumed,
                                           c.credit_balance_kwh - c.injected_kwh + c.compensated_kwh AS previous) AS x
                WHERE c.reference_month = (SELECT max(m.reference_month) FROM public.energy_compensate m
                                           WHERE m.unit_id = c.unit_id)
            ) AS n
            WHERE t.id = n.id
            """, rows: rows)
    }
}
