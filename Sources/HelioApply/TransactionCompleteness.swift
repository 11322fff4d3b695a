/// Whether a batch holds everything the warehouse needs to key its facts now.
///
/// A fact is keyed only once every transaction committed at or before it has its END and
/// all its dimension changes applied (`dw.dim_watermark`); a fact staged without them waits
/// in `dw.pending_fact` for a later batch, a whole batch cycle more. Capture sends a
/// transaction's changes and its END to different partitions, so the consumer often sees
/// the facts a few milliseconds before the END (or the dimension change) that releases
/// them. The consumer asks this tracker, before it hands a batch over, whether the batch is
/// complete, and if not polls a little longer (`ApplyService`, bounded).
///
/// It only decides how long to wait, never what is applied: a wrong answer costs latency,
/// not correctness (the warehouse still decides by its own counts). State is bounded: the
/// dimension counts of the few transactions in flight.
struct TransactionCompleteness {
    /// The highest commit position of an END seen (ENDs arrive in commit order, on one partition).
    private(set) var endsThrough: UInt64 = 0
    /// Dimension changes announced by ENDs and not yet seen (negative: seen before their END).
    private var dimensionsOwed: [UInt64: Int] = [:]
    /// Entries kept at most (a transaction that never completes must not grow it).
    static let capacity = 4_096

    /// The dimension tables, as change events name them and as END events count them.
    static let dimensionTables: Set<String> = ["users", "units", "devices"]
    static let dimensionCollections: Set<String> = ["public.users", "public.units", "public.devices"]

    mutating func sawEnd(commitLSN: UInt64, dimensionChanges: Int) {
        endsThrough = max(endsThrough, commitLSN)
        if dimensionChanges != 0 { owe(commitLSN, dimensionChanges) }
    }

    mutating func sawDimensionChange(commitLSN: UInt64) {
        owe(commitLSN, -1)
    }

    /// Transactions whose dimension counts are not settled (for tests).
    var pendingCount: Int { dimensionsOwed.count }

    /// True when every transaction at or before `commitLSN` has its END and its dimension changes seen.
    func isComplete(through commitLSN: UInt64) -> Bool {
        guard endsThrough >= commitLSN else { return false }
        return !dimensionsOwed.contains { $0.key <= commitLSN && $0.value > 0 }
    }

    /// Stops waiting for what did not come in time (a dimension change dead-lettered, or
    /// consumed before this process started): later batches must not wait for it again.
    mutating func giveUp(through commitLSN: UInt64) {
        endsThrough = max(endsThrough, commitLSN)
        dimensionsOwed = dimensionsOwed.filter { $0.key > commitLSN }
    }

    private mutating func owe(_ commitLSN: UInt64, _ count: Int) {
        let owed = (dimensionsOwed[commitLSN] ?? 0) + count
        dimensionsOwed[commitLSN] = owed == 0 ? nil : owed
        if dimensionsOwed.count > Self.capacity, let oldest = dimensionsOwed.keys.min() {
            dimensionsOwed[oldest] = nil
        }
    }
}
