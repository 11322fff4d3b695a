import Foundation
import HelioOps
import Metrics
import Synchronization

/// The applier's counters: exported through swift-metrics and kept here for status, health
/// and tests. Lag is computed from offsets the applier has seen, not from broker watermarks.
public final class ApplyMetrics: Sendable {
    private struct State {
        var applied = 0
        var batches = 0
        var deadLettered = 0
        var lastCommitMicros: Int64 = 0
    }
    private let state = Mutex(State())
    private let health: HealthState
    private let events = Counter(label: "helio_apply_events_total")
    private let batchCounter = Counter(label: "helio_apply_batches_total")
    private let batchDuration = Timer(label: "helio_apply_batch_duration_seconds", preferredDisplayUnit: .seconds)
    private let batchSize = Recorder(label: "helio_apply_batch_size")
    private let dlq = Counter(label: "helio_apply_dlq_total")
    private let lastCommit = Gauge(label: "helio_apply_last_commit_timestamp_seconds")
    private let commitToApply = Timer(label: "helio_commit_to_apply_seconds", preferredDisplayUnit: .seconds)

    /// Changes applied, per source table.
    func changes(_ counts: [String: Int]) {
        for (table, count) in counts where count > 0 {
            Counter(label: "helio_apply_changes_total", dimensions: [("table", table)]).increment(by: count)
        }
        health.update("apply") { service in
            for (table, count) in counts where count > 0 { service.tableChanges[table, default: 0] += Double(count) }
        }
    }

    /// Records behind, per partition: the partition's end — the greater of what the broker last
    /// reported and what the applier has seen — minus the next offset to apply.
    func lag(_ partitions: [(topic: String, partition: Int32, records: Int64)]) {
        for entry in partitions {
            Gauge(label: "helio_apply_consumer_lag", dimensions: [("topic", entry.topic), ("partition", String(entry.partition))])
                .record(Double(max(0, entry.records)))
        }
    }

    public init(health: HealthState = .shared) {
        self.health = health
    }

    func batch(records: Int, milliseconds: Double, lastCommitMicros: Int64?) {
        let totals = state.withLock { state -> (Int, Int) in
            state.applied += records
            state.batches += 1
            if let lastCommitMicros, lastCommitMicros > state.lastCommitMicros { state.lastCommitMicros = lastCommitMicros }
            return (state.applied, state.batches)
        }
        events.increment(by: records)
        batchCounter.increment()
        batchDuration.recordNanoseconds(Int64(milliseconds * 1_000_000))
        batchSize.record(records)
        var lagSeconds: Double?
        if let lastCommitMicros {
            lastCommit.record(Double(lastCommitMicros) / 1e6)
            let lag = Int64(Date().timeIntervalSince1970 * 1e6) - lastCommitMicros
            if lag >= 0 { commitToApply.recordMicroseconds(lag); lagSeconds = Double(lag) / 1e6 }
        }
        health.update("apply") {
            $0.connected = true
            $0.lastProgress = Date()
            $0.figures["events_applied"] = Double(totals.0)
            $0.figures["batches"] = Double(totals.1)
            if let lagSeconds { $0.figures["commit_to_apply_seconds"] = lagSeconds }
            if let lastCommitMicros { $0.detail = "last applied commit \(Date(timeIntervalSince1970: Double(lastCommitMicros) / 1e6))" }
        }
    }

    /// Polled and found nothing: idle is not stalled.
    func idle() { health.update("apply") { $0.connected = true; $0.lastProgress = Date() } }
    func disconnected(_ reason: String) { health.update("apply") { $0.connected = false; $0.detail = reason } }

    func deadLettered(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.deadLettered += count }
        dlq.increment(by: count)
        health.update("apply") { $0.figures["dead_lettered"] = Double(count) + ($0.figures["dead_lettered"] ?? 0) }
    }

    /// Records one of everything, so each metric appears in the export (deploy checks).
    public func exerciseForExport() {
        batch(records: 0, milliseconds: 1, lastCommitMicros: Int64(Date().timeIntervalSince1970 * 1e6))
        deadLettered(1)
        changes(["energy": 1])
        lag([(topic: "solar.public.energy", partition: 0, records: 0)])
    }

    public var applied: Int { state.withLock { $0.applied } }
    public var batches: Int { state.withLock { $0.batches } }
    public var deadLetteredCount: Int { state.withLock { $0.deadLettered } }
    public var lastCommitMicros: Int64 { state.withLock { $0.lastCommitMicros } }
}
