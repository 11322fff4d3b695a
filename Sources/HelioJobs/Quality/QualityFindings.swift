import Foundation
import HelioPostgres

/// What the data-quality rules stored in the warehouse, read back (read-only) for the
/// report (`helio quality report`), the status page's quality panel and the rate-jump check.
/// Only severity `flag` leaves a trace here: the failed rules' names on ledger entries
/// (`dw.fact_energy.quality_flags`) and on readings' current values
/// (`dw.irradiance_mirror.quality_flags`); `warn` is counted in the metric only.
///
/// These read the flagged rows without an index of their own (the schema has none by time):
/// each call scans the two tables, so callers run them rarely (the panel once a minute at
/// most, the check hourly).
public struct QualityFindings {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The findings of the warehouse at `url`, on their own connection (`helio quality report`,
    /// the status page's panel).
    public init(url: String, applicationName: String = "helio") throws {
        self.init(connection: try PostgresConnection(ConnectionOptions(url: url, applicationName: applicationName)))
    }

    /// Whether the warehouse has the tables these read (apply creates them when it starts).
    public func isMigrated() throws -> Bool {
        try connection.execute("SELECT to_regclass('dw.fact_energy') IS NOT NULL AND to_regclass('dw.irradiance_mirror') IS NOT NULL").scalar == "t"
    }

    /// Flags per day, table, unit and rule. The day is the ledger entry's `date_key` (the
    /// reading's local day; a bill's month is its first day) or the reading's `local_day`; the
    /// unit is the entry's plant (its natural `unit_id`), nil when the entry has none.
    public func perDay(since day: String?) throws -> [DayCount] {
        try connection.execute(Self.perDaySQL, [day]).rows.map {
            DayCount(day: $0[0] ?? "", table: $0[1] ?? "", unit: $0[2].flatMap { Int64($0) }, rule: $0[3] ?? "",
                     violations: Int($0[4] ?? "") ?? 0)
        }
    }

    static let perDaySQL = """
        SELECT x.day::text, x.source_table, x.unit::text, x.rule, count(*)
          FROM (SELECT to_date(f.date_key::text, 'YYYYMMDD') AS day, f.source_table::text AS source_table,
                       u.unit_id AS unit, unnest(f.quality_flags) AS rule
                  FROM dw.fact_energy f
                  LEFT JOIN dw.dim_units u ON u.unit_key = f.unit_key
                 WHERE f.quality_flags IS NOT NULL
                   AND ($1::date IS NULL OR f.date_key >= to_char($1::date, 'YYYYMMDD')::int)
                UNION ALL
                SELECT m.local_day, 'irradiance', m.unit_id, unnest(m.quality_flags)
                  FROM dw.irradiance_mirror m
                 WHERE m.quality_flags IS NOT NULL AND NOT m.deleted
                   AND ($1::date IS NULL OR m.local_day >= $1::date)) x
         GROUP BY x.day, x.source_table, x.unit, x.rule
         ORDER BY x.day, x.source_table, x.unit NULLS FIRST, x.rule
        """

    /// Flags per hour of the source commit (the change's `commit_ts`, UTC hours), rule and
    /// table, for the hours starting at or after `since`. By commit time, not by when apply
    /// wrote them, so a replay or a rebuild puts them in the same hours.
    public func perHour(since: Date) throws -> [HourCount] {
        let since = String(Int64(since.timeIntervalSince1970.rounded(.down)))
        return try connection.execute(Self.perHourSQL, [since]).rows.map {
            HourCount(hour: Double($0[0] ?? "") ?? 0, table: $0[1] ?? "", rule: $0[2] ?? "", violations: Int($0[3] ?? "") ?? 0)
        }
    }

    static let perHourSQL = """
        SELECT extract(epoch FROM date_trunc('hour', x.ts))::bigint, x.source_table, x.rule, count(*)
          FROM (SELECT f.source_commit_ts AS ts, f.source_table::text AS source_table, unnest(f.quality_flags) AS rule
                  FROM dw.fact_energy f
                 WHERE f.quality_flags IS NOT NULL AND f.source_commit_ts >= to_timestamp($1::bigint)
                UNION ALL
                SELECT m.source_commit_ts, 'irradiance', unnest(m.quality_flags)
                  FROM dw.irradiance_mirror m
                 WHERE m.quality_flags IS NOT NULL AND NOT m.deleted AND m.source_commit_ts >= to_timestamp($1::bigint)) x
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
        """

    /// Flags per rule and table in two windows ending at `until`: the last `recentSeconds`, and
    /// the `baselineSeconds` before them (by source commit time).
    public func perRule(until: Date, recentSeconds: Double = 3_600, baselineSeconds: Double = 86_400) throws -> [RuleWindow] {
        let end = until.timeIntervalSince1970
        let parameters = [end - recentSeconds - baselineSeconds, end - recentSeconds, end].map { String(Int64($0.rounded(.down))) }
        return try connection.execute(Self.perRuleSQL, parameters).rows.map {
            RuleWindow(table: $0[0] ?? "", rule: $0[1] ?? "", recent: Int($0[2] ?? "") ?? 0, before: Int($0[3] ?? "") ?? 0)
        }
    }

    static let perRuleSQL = """
        SELECT x.source_table, x.rule,
               count(*) FILTER (WHERE x.ts >= to_timestamp($2::bigint)),
               count(*) FILTER (WHERE x.ts < to_timestamp($2::bigint))
          FROM (SELECT f.source_commit_ts AS ts, f.source_table::text AS source_table, unnest(f.quality_flags) AS rule
                  FROM dw.fact_energy f
                 WHERE f.quality_flags IS NOT NULL
                   AND f.source_commit_ts >= to_timestamp($1::bigint) AND f.source_commit_ts < to_timestamp($3::bigint)
                UNION ALL
                SELECT m.source_commit_ts, 'irradiance', unnest(m.quality_flags)
                  FROM dw.irradiance_mirror m
                 WHERE m.quality_flags IS NOT NULL AND NOT m.deleted
                   AND m.source_commit_ts >= to_timestamp($1::bigint) AND m.source_commit_ts < to_timestamp($3::bigint)) x
         GROUP BY 1, 2
         ORDER BY 1, 2
        """

    /// The source commit time of the first fact and reading the warehouse holds (by their
    /// keys, so two index probes, no scan): where a baseline can begin. Nil when empty.
    public func historyStart() throws -> Date? {
        let sql = """
            SELECT extract(epoch FROM least(
                (SELECT f.source_commit_ts FROM dw.fact_energy f ORDER BY f.energy_fact_id LIMIT 1),
                (SELECT m.source_commit_ts FROM dw.irradiance_mirror m ORDER BY m.id LIMIT 1)))
            """
        return try connection.execute(sql).scalar.flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    /// The oldest change quarantine holds, when the warehouse has `dw.quarantine` (severity
    /// `quarantine`); `.absent` before that table exists.
    public func quarantine() throws -> Quarantine {
        guard try connection.execute("SELECT to_regclass('dw.quarantine') IS NOT NULL").scalar == "t" else { return .absent }
        let rows = try connection.execute(Self.quarantineSQL).rows
        guard let row = rows.first, let held = Int(row[5] ?? ""), held > 0 else { return .empty }
        return .oldest(table: row[0] ?? "", rowID: row[1] ?? "", rules: row[2] ?? "", committed: row[3] ?? "",
                       quarantined: row[4] ?? "", held: held)
    }

    /// The held entry first in source order, and how many are held.
    static let quarantineSQL = """
        SELECT q.source_table, q.row_id::text, array_to_string(q.rules, ', '),
               to_char(q.commit_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               to_char(q.quarantined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               count(*) OVER ()
          FROM dw.quarantine q
         WHERE q.status = 'held'
         ORDER BY q.commit_lsn, q.lsn
         LIMIT 1
        """

    public struct DayCount: Sendable, Equatable {
        public let day: String
        public let table: String
        public let unit: Int64?
        public let rule: String
        public let violations: Int

        public init(day: String, table: String, unit: Int64?, rule: String, violations: Int) {
            self.day = day
            self.table = table
            self.unit = unit
            self.rule = rule
            self.violations = violations
        }
    }

    public struct HourCount: Sendable, Equatable {
        /// Start of the hour, seconds since 1970.
        public let hour: Double
        public let table: String
        public let rule: String
        public let violations: Int

        public init(hour: Double, table: String, rule: String, violations: Int) {
            self.hour = hour
            self.table = table
            self.rule = rule
            self.violations = violations
        }
    }

    /// A rule's flags in the recent window and in the baseline before it.
    public struct RuleWindow: Sendable, Equatable {
        public let table: String
        public let rule: String
        public let recent: Int
        public let before: Int

        public init(table: String, rule: String, recent: Int, before: Int) {
            self.table = table
            self.rule = rule
            self.recent = recent
            self.before = before
        }
    }

    public enum Quarantine: Sendable, Equatable {
        /// No `dw.quarantine` in this warehouse (quarantine not built, or not migrated yet).
        case absent
        case empty
        /// The oldest held change (times ISO-8601 UTC) and how many are held in all.
        case oldest(table: String, rowID: String, rules: String, committed: String, quarantined: String, held: Int)
    }
}
