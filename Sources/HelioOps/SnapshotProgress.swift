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
    /// The request id of an incremental snapshot (`helio snapshot` prints it), so
    /// `helio snapshot --wait` follows its own request; nil for the initial snapshot.
    public var request: String?

    public init(table: String, rows: Int, estimatedRows: Int, finished: Bool, started: Date, request: String? = nil) {
        self.table = table
        self.rows = rows
        self.estimatedRows = estimatedRows
        self.finished = finished
        self.started = started
        self.request = request
    }

    /// What the operator endpoint's `/snapshot` serves: `{"table","rows","estimated_rows","finished","request"}`.
    public var json: String {
        var fields = ["\"table\":\(JSONLogHandler.quote(table))", "\"rows\":\(rows)", "\"estimated_rows\":\(estimatedRows)",
                      "\"finished\":\(finished)"]
        if let request { fields.append("\"request\":\(JSONLogHandler.quote(request))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// 0…1 while the estimate holds; nil without one. A stale estimate can be exceeded: the
    /// fraction then stays just below 1 until the snapshot says it finished.
    public var fraction: Double? {
        if finished { return 1 }
        guard estimatedRows > 0 else { return nil }
        return min(Double(rows) / Double(estimatedRows), 0.99)
    }
}
