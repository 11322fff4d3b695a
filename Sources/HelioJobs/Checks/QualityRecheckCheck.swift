import Foundation
import HelioOps
import HelioPostgres

/// The seed's weekly validation: every fact row and reading changed in the last `days` days is
/// judged again by the rules in force, on its current values as the warehouse holds them, and
/// compared with the flags stored when it was applied (`dw.quality_recheck`, read-only). A
/// difference — a violation the warehouse does not show (a rule added since, a flag lost) or a
/// flag that no longer holds — raises a warning with the first rows; none resolves it.
public struct QualityRecheckCheck: Sendable {
    public static let check = "quality_recheck"

    let warehouseURL: String
    let applyConfig: String
    let days: Int
    let alerts: AlertSink

    public init(warehouseURL: String, applyConfig: String, days: Int = 7, alerts: AlertSink) {
        self.warehouseURL = warehouseURL
        self.applyConfig = applyConfig
        self.days = days
        self.alerts = alerts
    }

    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public let table: String
        public let rowID: String
        public let rule: String
        /// `unflagged` (the rule fails, no flag stored) or `stale` (a flag stored, the rule passes).
        public let kind: String
        public var description: String { "\(table) row \(rowID): \(rule) \(kind)" }
    }

    /// The re-check as of `now`: rows checked and the differences.
    public func recheck(now: Date) throws -> (checked: Int, differences: [Difference]) {
        let connection = try PostgresConnection(ConnectionOptions(url: warehouseURL, applicationName: "helio-quality-recheck"))
        try connection.execute("BEGIN")   // (rolled back: the re-check writes only temporary tables)
        defer { _ = try? connection.execute("ROLLBACK") }
        let since = ISO8601DateFormatter().string(from: now.addingTimeInterval(-Double(days) * 86_400))
        let result = try connection.execute("""
            SELECT (r->>'checked'), d->>'table', d->>'row_id', d->>'rule', d->>'kind'
              FROM dw.quality_recheck($1::jsonb, $2::timestamptz) r
              LEFT JOIN LATERAL jsonb_array_elements(r->'differences') d ON true
            """, [applyConfig, since]).rows
        let checked = Int(result.first?[0] ?? "") ?? 0
        let differences = result.compactMap { row -> Difference? in
            guard let table = row[1] else { return nil }
            return Difference(table: table, rowID: row[2] ?? "?", rule: row[3] ?? "?", kind: row[4] ?? "?")
        }
        return (checked, differences)
    }

    public func run(_ context: JobContext) throws {
        let (checked, differences) = try recheck(now: context.scheduledAt)
        context.logger.info("quality re-check done", metadata: ["checked": "\(checked)", "differences": "\(differences.count)"])
        guard !differences.isEmpty else {
            alerts.resolve(check: Self.check, summary: "the last \(days) days of facts and readings agree with their flags",
                           shouldStop: context.shouldStop)
            return
        }
        let rules = Set(differences.map(\.rule)).sorted()
        alerts.raise(Alert(check: Self.check, severity: .warning,
                           summary: "quality re-check: \(differences.count) of \(checked) rows of the last \(days) days differ from their stored flags",
                           details: differences.prefix(20).map(\.description)
                               + ["see docs/operations.md, 'Data quality' (the weekly re-check)"],
                           keys: rules, fingerprint: "\(Self.check):\(rules.joined(separator: ","))"),
                     shouldStop: context.shouldStop)
    }
}
