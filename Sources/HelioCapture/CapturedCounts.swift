/// Changes published per table since the last commit, handed to `CaptureMetrics` at the
/// commit: one lock and one counter update per table and transaction instead of per row
/// (a row's share of capture's own thread, which sets the pace of a large transaction).
/// Changes of a transaction that never commits here (capture stops inside it) are not
/// counted: the server sends them again, and they are counted then.
struct CapturedCounts {
    /// Changes mostly come table after table: the current run, without hashing its name.
    private var run: (table: String, count: Int)?
    private var others: [String: Int] = [:]

    mutating func add(_ table: String) {
        if let current = run, current.table == table {
            run = (table, current.count + 1)
            return
        }
        if let current = run { others[current.table, default: 0] += current.count }
        run = (table, 1)
    }

    /// What was counted since the last drain, per table (for tests and the metrics).
    var pending: [String: Int] {
        var all = others
        if let run { all[run.table, default: 0] += run.count }
        return all
    }

    mutating func drain(into metrics: CaptureMetrics) {
        for (table, count) in pending { metrics.captured(table: table, count: count) }
        run = nil
        others.removeAll(keepingCapacity: true)
    }
}
