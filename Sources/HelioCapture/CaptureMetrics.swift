import Synchronization
import PGOutput

/// Capture's counters, read by the status and metrics endpoints from other threads.
public final class CaptureMetrics: Sendable {
    private struct State {
        var capturedByTable: [String: Int] = [:]
        var transactions = 0
        var confirmed = LSN(0)
        var lastCommitMicros: Int64 = 0
        var snapshotRows = 0
        var streamedTransactions = 0
    }
    private let state = Mutex(State())

    public init() {}

    func captured(table: String) { state.withLock { $0.capturedByTable[table, default: 0] += 1 } }
    func snapshotRow() { state.withLock { $0.snapshotRows += 1 } }
    func committed(commitMicros: Int64) {
        state.withLock {
            $0.transactions += 1
            $0.lastCommitMicros = commitMicros
        }
    }
    func streamedTransaction() { state.withLock { $0.streamedTransactions += 1 } }
    func confirmed(_ lsn: LSN) { state.withLock { $0.confirmed = lsn } }

    public var capturedByTable: [String: Int] { state.withLock { $0.capturedByTable } }
    public var transactions: Int { state.withLock { $0.transactions } }
    public var confirmedLSN: LSN { state.withLock { $0.confirmed } }
    public var snapshotRows: Int { state.withLock { $0.snapshotRows } }
    /// Transactions the server streamed in progress (spooled, published at Stream Commit).
    public var streamedTransactions: Int { state.withLock { $0.streamedTransactions } }
    public var totalCaptured: Int { state.withLock { $0.capturedByTable.values.reduce(0, +) } }
}
