import HelioKafka
import HelioPostgres

/// What `helio status` reads from the warehouse: the group's stored positions and its live
/// members (through `OffsetStore`), and how fresh the warehouse is. One short-statement pool
/// that rides out a blink of the server and bounds every statement; `close()` it when done.
public final class WarehouseStatusReader {
    let pool: ConnectionPool
    let group: String

    public init(url: String, group: String, applicationName: String) {
        pool = .shortStatements(url: url, applicationName: applicationName)
        self.group = group
    }

    /// The newest source commit applied to the warehouse's facts, dimensions and climate.
    public struct Freshness: Sendable, Equatable {
        /// Its time as PostgreSQL prints a `timestamptz`; nil when nothing was applied yet.
        public var lastAppliedCommit: String?
        public var secondsAgo: Int64?
    }

    /// Where each partition of the group resumes.
    public func positions() throws -> [TopicPartition: Int64] {
        try pool.withConnection { try OffsetStore(connection: $0, group: group).positions() }
    }

    /// The group's appliers seen in the last minute, oldest first.
    public func members() throws -> [OffsetStore.Member] {
        try pool.withConnection { try OffsetStore(connection: $0, group: group).members() }
    }

    public func freshness() throws -> Freshness {
        let row = try pool.withConnection { try $0.execute("""
            SELECT max(ts)::text, extract(epoch FROM now() - max(ts))::bigint::text FROM (
              SELECT max(source_commit_ts) AS ts FROM dw.fact_energy UNION ALL SELECT max(source_commit_ts) FROM dw.dim_users
              UNION ALL SELECT max(source_commit_ts) FROM dw.dim_units UNION ALL SELECT max(source_commit_ts) FROM dw.dim_devices
              UNION ALL SELECT max(source_commit_ts) FROM dw.dim_day_climate) t
            """) }.rows.first
        let secondsAgo: String? = row?[1] ?? nil
        return Freshness(lastAppliedCommit: row?[0] ?? nil, secondsAgo: secondsAgo.flatMap { Int64($0) })
    }

    public func close() { pool.close() }
}
