import Synchronization

/// The applier's counters, read from other threads by status and metrics.
public final class ApplyMetrics: Sendable {
    private struct State {
        var applied = 0
        var batches = 0
        var deadLettered = 0
        var lastCommitMicros: Int64 = 0
        var lastBatchMilliseconds = 0.0
        /// Highest offset seen per "topic[partition]", for lag.
        var seenOffsets: [String: Int64] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    func batch(records: Int, milliseconds: Double, lastCommitMicros: Int64?) {
        state.withLock {
            $0.applied += records
            $0.batches += 1
            $0.lastBatchMilliseconds = milliseconds
            if let lastCommitMicros, lastCommitMicros > $0.lastCommitMicros { $0.lastCommitMicros = lastCommitMicros }
        }
    }
    func deadLettered(_ count: Int) { state.withLock { $0.deadLettered += count } }

    public var applied: Int { state.withLock { $0.applied } }
    public var batches: Int { state.withLock { $0.batches } }
    public var deadLetteredCount: Int { state.withLock { $0.deadLettered } }
    public var lastCommitMicros: Int64 { state.withLock { $0.lastCommitMicros } }
}
