import Foundation
import HelioOps
import HelioPostgres

/// Data quality's quarantine, as an operator sees it (`helio quality held|release|drop`): the
/// changes a rule of severity quarantine kept out of the warehouse (`dw.quarantine`), and the
/// two decisions on them. Both decisions run in the warehouse (`dw.quality_release`,
/// `dw.quality_drop`) under apply's lock, so they never interleave with a batch; both record
/// who decided and when, and both are idempotent (only held entries are selected).
public struct QuarantineDecisions {
    /// Which held entries a command acts on; nil fields select everything.
    public struct Selection: Sendable {
        public var table: String?
        public var rule: String?
        /// Entries of changes committed at or after this time (`2026-04-01`, an ISO time).
        public var since: String?

        public init(table: String? = nil, rule: String? = nil, since: String? = nil) {
            self.table = table
            self.rule = rule
            self.since = since
        }

        var parameters: [String?] { [table, rule, since] }
    }

    /// One held change.
    public struct HeldChange: Encodable, Sendable, Equatable {
        public let table: String
        public let rowID: String
        public let commitLSN: String
        public let lsn: String
        public let committedAt: String
        public let rules: String
        public let values: String
        public let quarantinedAt: String

        enum CodingKeys: String, CodingKey {
            case table, rowID = "row_id", commitLSN = "commit_lsn", lsn, committedAt = "committed_at", rules, values,
                 quarantinedAt = "quarantined_at"
        }
    }

    let connection: PostgresConnection
    let config: HelioConfiguration

    public init(connection: PostgresConnection, config: HelioConfiguration) {
        self.connection = connection
        self.config = config
    }

    /// The decisions on the warehouse at `url`, on their own connection (`helio quality`,
    /// `helio apply pause|resume`, `helio dlq replay`).
    public init(url: String, config: HelioConfiguration) throws {
        self.init(connection: try PostgresConnection(ConnectionOptions(url: url)), config: config)
    }

    /// The selection's condition on `dw.quarantine q` ($1 table, $2 rule, $3 since).
    static let selected = """
        q.status = 'held' AND ($1::text IS NULL OR q.source_table = $1)
        AND ($2::text IS NULL OR $2 = ANY (q.rules)) AND ($3::timestamptz IS NULL OR q.commit_ts >= $3::timestamptz)
        """

    /// The held changes of the selection, oldest commit first.
    public func held(_ selection: Selection, limit: Int = 1000) throws -> [HeldChange] {
        try connection.execute("""
            SELECT q.source_table, q.row_id::text, q.commit_lsn::text, q.lsn::text,
                   to_char(q.commit_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), array_to_string(q.rules, ','),
                   q.after::text, to_char(q.quarantined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              FROM dw.quarantine q
             WHERE \(Self.selected)
             ORDER BY q.commit_lsn, q.lsn
             LIMIT \(limit)
            """, selection.parameters).rows.map {
            HeldChange(table: $0[0] ?? "", rowID: $0[1] ?? "", commitLSN: $0[2] ?? "", lsn: $0[3] ?? "",
                       committedAt: $0[4] ?? "", rules: $0[5] ?? "", values: $0[6] ?? "", quarantinedAt: $0[7] ?? "")
        }
    }

    /// How many held changes the selection has (what `held` would list without its limit).
    public func heldCount(_ selection: Selection) throws -> Int {
        Int(try connection.execute("""
            SELECT count(*) FROM dw.quarantine q WHERE \(Self.selected)
            """, selection.parameters).scalar ?? "") ?? 0
    }

    /// Applies the selection's held changes as apply would have, their quarantine rules
    /// written as flags. Returns how many were released.
    public func release(_ selection: Selection, by operatorName: String) throws -> Int {
        let applyConfig = ApplyService.configuration(config)
        try connection.execute("BEGIN")
        do {
            let result = try connection.execute("SELECT (dw.quality_release($1, $2, $3::timestamptz, $4::jsonb, $5)->>'released')",
                                                selection.parameters + [applyConfig, operatorName]).scalar
            try connection.execute("COMMIT")
            return Int(result ?? "") ?? 0
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Pauses apply of one source table: from the next batch on its changes are held (counted
    /// as arrived, so the other tables go on). False when it was paused already.
    public func pause(table: String, by operatorName: String) throws -> Bool {
        try connection.execute("SELECT dw.apply_pause($1, $2)", [table, operatorName]).scalar == "t"
    }

    /// Resumes it: the changes held while it was paused apply in source order. Returns how many.
    public func resume(table: String, by operatorName: String) throws -> Int {
        let applyConfig = ApplyService.configuration(config)
        try connection.execute("BEGIN")
        do {
            let result = try connection.execute("SELECT dw.apply_resume($1, $2::jsonb, $3)", [table, applyConfig, operatorName]).scalar
            try connection.execute("COMMIT")
            return Int(result ?? "") ?? 0
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The paused tables, with who paused them and when.
    public func paused() throws -> [(table: String, since: String, by: String)] {
        try connection.execute("""
            SELECT source_table, to_char(paused_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), coalesce(paused_by, '')
              FROM dw.paused_table ORDER BY 1
            """).rows.map { ($0[0] ?? "", $0[1] ?? "", $0[2] ?? "") }
    }

    /// Discards the selection's held changes: they are never applied. Returns how many.
    public func drop(_ selection: Selection, by operatorName: String) throws -> Int {
        Int(try connection.execute("SELECT dw.quality_drop($1, $2, $3::timestamptz, $4)",
                                   selection.parameters + [operatorName]).scalar ?? "") ?? 0
    }
}
