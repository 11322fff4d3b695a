import HelioEvents
import PGOutput

/// Capture's core as a value: decoded pgoutput messages with their WAL positions, the
/// sink's delivery reports and the server's keepalives in; actions out (begin, change,
/// commit, spool, replay, discard) and the position to confirm to the slot.
///
/// It owns the two decisions capture must get right. Which transaction a message belongs to:
/// a Begin…Commit transaction is published as it arrives, a transaction the server streams
/// while it is still in progress (protocol 2) is spooled and replayed at its Stream Commit,
/// or discarded at its Stream Abort. And how far PostgreSQL may forget: only up to the end of
/// the last transaction whose every record, and every record before it, Kafka acknowledged
/// (`DeliveryTracker`), or the server's own position when nothing is open, spooled or in
/// flight. `CaptureSession` performs the actions; tests drive the machine without a server.
struct CaptureStateMachine {
    /// What Kafka acknowledged, as a WAL position. Survives reconnects: records handed to
    /// Kafka before one are still waited for.
    private(set) var delivery: DeliveryTracker
    /// The transaction being published (a Begin's, or a streamed one being replayed).
    private(set) var open: Transaction?
    /// The end LSN of the streamed transaction being replayed.
    private var replayEnd: LSN?
    /// Where each streamed transaction's first block started: its beginning.
    private var firstBlock: [UInt32: LSN] = [:]
    /// The top-level xid of the stream block being read (Stream Start names it).
    private var blockXID: UInt32?
    /// Streamed transactions with something on disk.
    private(set) var spooled: Set<UInt32> = []
    private(set) var lastReceived = LSN(0)
    private var lastStatusSent = 0.0
    private var lastConfirmedSent = LSN(0)
    let statusInterval: Double

    init(confirmed: LSN, statusInterval: Double = 10) {
        delivery = DeliveryTracker(start: confirmed)
        self.statusInterval = statusInterval
    }

    var isInTransaction: Bool { open != nil }
    var confirmable: LSN { delivery.confirmable }

    // MARK: The replication connection

    /// A new replication connection starts. The server sends again every transaction that
    /// ends past the confirmed position, streamed ones from their first block, so nothing
    /// half-read survives: returns the streamed transactions whose spools to delete.
    mutating func connected() -> [UInt32] {
        let stale = spooled.sorted()
        (open, replayEnd, firstBlock, blockXID, spooled) = (nil, nil, [:], nil, [])
        (lastReceived, lastStatusSent, lastConfirmedSent) = (LSN(0), 0, LSN(0))
        return stale
    }

    /// Capture created the slot at `position` (a new slot, after a failover or a lost one):
    /// confirmation starts there, whatever the old slot had reached; every record handed
    /// over so far (through `lastDelivery`) was acknowledged before.
    mutating func slotCreated(at position: LSN, lastDelivery: UInt64) {
        delivery = DeliveryTracker(start: position, acknowledgedThrough: lastDelivery)
        lastConfirmedSent = LSN(0)
    }

    /// One pgoutput message of an XLogData at `lsn`.
    mutating func receive(_ message: PGOutputMessage, at lsn: LSN) -> Action {
        switch message {
        case .streamStart(let start):
            blockXID = start.xid
            if firstBlock[start.xid] == nil { firstBlock[start.xid] = lsn }
            return .none
        case .streamStop:
            blockXID = nil
            return .none
        case .streamCommit(let commit):
            let transaction = Transaction(xid: commit.xid, commitLSN: commit.commitLSN, commitMicros: Self.micros(commit.commitTime),
                                          beginLSN: firstBlock.removeValue(forKey: commit.xid) ?? commit.commitLSN, streamed: true)
            spooled.remove(commit.xid)
            open = transaction
            replayEnd = commit.endLSN
            return .replay(transaction, endLSN: commit.endLSN)
        case .streamAbort(let abort):
            guard abort.abortsWholeTransaction else { return .discardSubtransaction(xid: abort.xid, subxid: abort.subxid) }
            firstBlock[abort.xid] = nil
            spooled.remove(abort.xid)
            return .discard(xid: abort.xid)
        default:
            break
        }
        // Only a message read inside a stream block carries an xid.
        if let xid = message.streamXID {
            let top = blockXID ?? xid
            spooled.insert(top)
            return .spool(xid: top, subxid: xid, message, at: lsn)
        }
        switch message {
        case .begin(let begin):
            let transaction = Transaction(xid: begin.xid, commitLSN: begin.finalLSN, commitMicros: Self.micros(begin.commitTime),
                                          beginLSN: lsn, streamed: false)
            open = transaction
            return .begin(transaction)
        case .commit(let commit):
            defer { open = nil }
            return .commit(open, endLSN: commit.endLSN, commitMicros: Self.micros(commit.commitTime))
        case .relation(let relation):
            return .relation(relation)
        case .origin(let origin):
            open?.origin = Origin(name: origin.name, lsn: origin.commitLSN.value)
            return .none
        case .insert, .update, .delete, .truncate, .message:
            return .change(message, at: lsn, transaction: open)
        case .type, .streamStart, .streamStop, .streamCommit, .streamAbort:
            return .none
        }
    }

    /// Every spooled message of the streamed transaction was handed back: close it.
    mutating func replayFinished() -> Action {
        guard let end = replayEnd, let transaction = open else { return .none }
        (open, replayEnd) = (nil, nil)
        return .commit(transaction, endLSN: end, commitMicros: transaction.commitMicros)
    }

    /// The XLogData envelope's end position: how far the server has sent.
    mutating func received(walEnd: LSN) {
        if walEnd > lastReceived { lastReceived = walEnd }
    }

    /// A primary keepalive at `walEnd`. With nothing open, spooled or unacknowledged, the
    /// server's position is safe to confirm: an idle publication must not pin WAL.
    mutating func keepalive(walEnd: LSN) {
        received(walEnd: walEnd)
        if open == nil && spooled.isEmpty { delivery.confirmIdle(upTo: walEnd) }
    }

    // MARK: The sink

    /// The sink handed over every record of a transaction ending at `endLSN`.
    mutating func handedOver(endingAt endLSN: LSN, lastDelivery: UInt64) {
        delivery.transactionEnded(at: endLSN, lastID: lastDelivery)
    }

    /// Kafka acknowledged the record with delivery id `id` (in any order).
    mutating func acknowledged(_ id: UInt64) {
        delivery.acknowledge(id)
    }

    // MARK: The slot

    /// The status update due `now` (monotonic seconds): every `statusInterval`, at most once
    /// a second sooner when the confirmable position moved, within `caughtUpGap` when it
    /// moved and capture has caught up (nothing open, spooled or unacknowledged), at once
    /// when `force`d (the server asked for a reply, or capture stops). Nil when none is due.
    mutating func statusUpdate(now: Double, force: Bool) -> StatusUpdate? {
        let confirmed = delivery.confirmable
        let sinceLast = now - lastStatusSent
        let caughtUp = open == nil && spooled.isEmpty && delivery.isIdle
        let gap = caughtUp ? Self.caughtUpGap : 1
        guard force || sinceLast >= statusInterval || (confirmed > lastConfirmedSent && sinceLast >= gap) else { return nil }
        (lastStatusSent, lastConfirmedSent) = (now, confirmed)
        return StatusUpdate(written: max(lastReceived, confirmed), flushed: confirmed)
    }

    /// How soon after the last status update a caught-up capture confirms again. Once a
    /// burst is acknowledged the slot (pg_stat_replication's flush lag, the retained WAL, a
    /// script waiting for confirmed_flush_lsn) learns it within this, not up to a second
    /// later; under a steady stream records are always in flight, so the once-a-second
    /// pace holds, and a trickle of small transactions sends at most ten updates a second.
    static let caughtUpGap = 0.1

    static func micros(_ postgresMicros: Int64) -> Int64 { PostgresTime.unixMicros(postgresMicros: postgresMicros) }
}
