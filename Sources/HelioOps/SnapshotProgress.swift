import Foundation

/// How far capture's snapshot has read, for the status page: the rows published so far
/// against PostgreSQL's estimate of the tables' size (`pg_class.reltuples`, 0 when the
/// tables were never analysed, so the page can only count).
public struct SnapshotProgress: Sendable, Equatable {
    /// The table being read (the last one read once the snapshot finished).
    public var table: String
    public var rows: Int
    public var estimatedRows: Int
    public var finished: Bool
    public var started: Date

    public init(table: String, rows: Int, estimatedRows: Int, finished: Bool, started: Date) {
        self.table = table
        self.rows = rows
        self.estimatedRows = estimatedRows
        self.finished = finished
        self.started = started
    }

    /// 0…1 while the estimate holds; nil without one. A stale estimate can be exceeded: the
    /// fraction then stays just below 1 until the snapshot says it finished.
    public var fraction: Double? {
        if finished { return 1 }
        guard estimatedRows > 0 else { return nil }
        return min(Double(rows) / Double(estimatedRows), 0.99)
    }
}
