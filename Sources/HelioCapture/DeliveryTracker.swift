import PGOutput

/// Decides how far PostgreSQL may be told that changes are safe.
///
/// Every record gets the next delivery id, in stream order. Kafka acknowledges them out of
/// order (partitions progress independently), so the tracker keeps the highest id below
/// which everything is acknowledged, and the commit positions waiting on it. A transaction's
/// end LSN becomes confirmable only when its last record, and every record before it, is
/// acknowledged: the slot never runs ahead of Kafka.
public struct DeliveryTracker: Sendable {
    /// Every id up to this one is acknowledged.
    public private(set) var acknowledgedThrough: UInt64 = 0
    /// The last id handed out.
    public private(set) var lastAssigned: UInt64 = 0
    private var acknowledgedAhead: Set<UInt64> = []
    /// (last id of a transaction, its end LSN), oldest first.
    private var checkpoints: [(lastID: UInt64, lsn: LSN)] = []
    private var checkpointHead = 0
    /// The newest position PostgreSQL may be told to flush.
    public private(set) var confirmable: LSN

    /// `acknowledgedThrough`: records numbered before this tracker began, all acknowledged
    /// (the sink's numbering goes on when a new slot restarts confirmation).
    public init(start: LSN = LSN(0), acknowledgedThrough: UInt64 = 0) {
        confirmable = start
        self.acknowledgedThrough = acknowledgedThrough
        lastAssigned = acknowledgedThrough
    }

    /// The id for the next record.
    public mutating func nextID() -> UInt64 {
        lastAssigned += 1
        return lastAssigned
    }

    /// Records that everything handed out so far belongs to transactions ending at `lsn`.
    public mutating func transactionEnded(at lsn: LSN) {
        checkpoints.append((lastAssigned, lsn))
        advance()
    }

    /// Records that the sink handed over every record through `lastID` (the sink numbers
    /// them) for transactions ending at `lsn`.
    public mutating func transactionEnded(at lsn: LSN, lastID: UInt64) {
        if lastID > lastAssigned { lastAssigned = lastID }
        transactionEnded(at: lsn)
    }

    public mutating func acknowledge(_ id: UInt64) {
        // The sink numbers records itself: one may be acknowledged before its transaction ends.
        if id > lastAssigned { lastAssigned = id }
        if id == acknowledgedThrough + 1 {
            acknowledgedThrough = id
            while acknowledgedAhead.remove(acknowledgedThrough + 1) != nil { acknowledgedThrough += 1 }
            advance()
        } else if id > acknowledgedThrough {
            acknowledgedAhead.insert(id)
        }
    }

    /// Records handed out but not yet acknowledged.
    public var inFlight: UInt64 { lastAssigned - acknowledgedThrough }

    /// Nothing waits on Kafka: an idle stream may confirm the server's own position.
    public var isIdle: Bool { inFlight == 0 && checkpointHead == checkpoints.count }

    /// Moves the confirmable position to `lsn` when nothing is pending (server keepalive position).
    public mutating func confirmIdle(upTo lsn: LSN) {
        if isIdle && lsn > confirmable { confirmable = lsn }
    }

    private mutating func advance() {
        while checkpointHead < checkpoints.count, checkpoints[checkpointHead].lastID <= acknowledgedThrough {
            if checkpoints[checkpointHead].lsn > confirmable { confirmable = checkpoints[checkpointHead].lsn }
            checkpointHead += 1
        }
        // Compact now and then so the array does not grow for months.
        if checkpointHead > 4096 {
            checkpoints.removeFirst(checkpointHead)
            checkpointHead = 0
        }
    }
}
