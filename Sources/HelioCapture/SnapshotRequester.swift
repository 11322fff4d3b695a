import HelioPostgres

/// `helio snapshot`'s side of an incremental snapshot: checks the table on the source, reads
/// the planner's estimate of its size, and sends the request through the WAL
/// (`IncrementalSnapshot.request`) for the running capture to pick up in order. Everything
/// runs on one short-statement pool; `close()` it when done.
public final class SnapshotRequester {
    let pool: ConnectionPool

    public init(sourceURL: String, applicationName: String) {
        pool = .shortStatements(url: sourceURL, applicationName: applicationName)
    }

    /// The planner's estimate of the table's rows (free to read), nil when it has none. Fails
    /// when `table` does not name a table of the source.
    public func estimatedRows(table: String) throws -> Int? {
        let rows = try pool.withConnection {
            try $0.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", [table]).scalar
        }
        return rows.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Sends the request; returns its id, which capture's progress names.
    public func request(table: String, whereClause: String?, chunkSize: Int) throws -> String {
        try pool.withConnection { connection in
            try IncrementalSnapshot.request(connection: connection, table: table, whereClause: whereClause, chunkSize: chunkSize)
        }
    }

    public func close() { pool.close() }
}
