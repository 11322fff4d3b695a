import Foundation
import HelioOps
import Metrics
import PGOutput
import Synchronization

/// Capture's counters: exported through swift-metrics (Prometheus names in docs/operations.md)
/// and kept here too, so status, health and tests can read them.
public final class CaptureMetrics: Sendable {
    private struct State {
        var capturedByTable: [String: Int] = [:]
        var counters: [String: Counter] = [:]
        var transactions = 0
        var confirmed = LSN(0)
        var lastCommitMicros: Int64 = 0
        var snapshotRows = 0
        var streamedTransactions = 0
    }
    private let state = Mutex(State())
    private let health: HealthState
    private let transactionsCounter = Counter(label: "helio_capture_transactions_total")
    private let confirmedGauge = Gauge(label: "helio_capture_confirmed_lsn")
    private let retainedGauge = Gauge(label: "helio_slot_retained_wal_bytes")
    private let commitToPublish = Timer(label: "helio_commit_to_publish_seconds", preferredDisplayUnit: .seconds)
    private let snapshotCounter = Counter(label: "helio_capture_snapshot_rows_total")
    private let standbyGauge = Gauge(label: "helio_capture_standby")
    private let resyncGauge = Gauge(label: "helio_capture_resync_tables")

    public init(health: HealthState = .shared) {
        self.health = health
    }

    /// `count` changes of `table` published (capture hands them over per transaction).
    func captured(table: String, count: Int = 1) {
        let counter = state.withLock { state -> Counter in
            state.capturedByTable[table, default: 0] += count
            if let counter = state.counters[table] { return counter }
            let counter = Counter(label: "helio_capture_changes_total", dimensions: [("table", table)])
            state.counters[table] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// A resync runs: `tables` tables to re-read (0 when it finished).
    func resyncing(tables: Int) {
        resyncGauge.record(tables)
        health.update("capture") { $0.figures["resync_tables"] = Double(tables) }
    }

    func snapshotRow() {
        state.withLock { $0.snapshotRows += 1 }
        snapshotCounter.increment()
    }

    func committed(commitMicros: Int64) {
        let total = state.withLock { state -> Int in
            state.transactions += 1
            state.lastCommitMicros = commitMicros
            return state.transactions
        }
        transactionsCounter.increment()
        let lag = Clock.unixMicros() - commitMicros
        if lag >= 0 { commitToPublish.recordMicroseconds(lag) }
        health.update("capture") {
            $0.lastProgress = Date()
            $0.figures["transactions"] = Double(total)
            if lag >= 0 { $0.figures["commit_to_publish_seconds"] = Double(lag) / 1e6 }
        }
    }

    func streamedTransaction() { state.withLock { $0.streamedTransactions += 1 } }

    func confirmed(_ lsn: LSN) {
        let byTable = state.withLock { state in
            state.confirmed = lsn
            return state.capturedByTable
        }
        confirmedGauge.record(Double(lsn.value))
        health.update("capture") {
            $0.connected = true
            $0.figures["confirmed_lsn"] = Double(lsn.value)
            $0.detail = "confirmed \(lsn)"
            $0.figures["changes"] = Double(byTable.values.reduce(0, +))
            $0.tableChanges = byTable.mapValues(Double.init)
        }
    }

    /// Where the snapshot is, for the status page (rows are counted by `snapshotRow`).
    func snapshotProgress(_ progress: SnapshotProgress) {
        health.update("capture") { $0.snapshot = progress }
    }

    /// The server says the stream is alive (keepalive or data): no stall.
    func alive() { health.update("capture") { $0.connected = true; $0.lastProgress = Date() } }
    /// Another capture holds the slot: alive, not ready (a standby takes no traffic).
    func standingBy(_ detail: String) {
        standbyGauge.record(1)
        health.update("capture") { $0.connected = false; $0.detail = detail; $0.lastProgress = Date() }
    }
    func active() { standbyGauge.record(0) }
    func disconnected(_ reason: String) { health.update("capture") { $0.connected = false; $0.detail = reason } }

    func retainedWAL(bytes: Double) {
        retainedGauge.record(bytes)
        health.update("capture") { $0.figures["slot_retained_wal_bytes"] = bytes }
    }

    /// Records one of everything, so each metric appears in the export (deploy checks).
    public func exerciseForExport() {
        captured(table: "users")
        committed(commitMicros: Clock.unixMicros())
        confirmed(LSN(0))
        retainedWAL(bytes: 0)
    }

    public var capturedByTable: [String: Int] { state.withLock { $0.capturedByTable } }
    public var transactions: Int { state.withLock { $0.transactions } }
    public var confirmedLSN: LSN { state.withLock { $0.confirmed } }
    public var snapshotRows: Int { state.withLock { $0.snapshotRows } }
    /// Transactions the server streamed in progress (spooled, published at Stream Commit).
    public var streamedTransactions: Int { state.withLock { $0.streamedTransactions } }
    public var totalCaptured: Int { state.withLock { $0.capturedByTable.values.reduce(0, +) } }
}
