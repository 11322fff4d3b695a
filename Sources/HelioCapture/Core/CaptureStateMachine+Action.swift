import PGOutput

extension CaptureStateMachine {
    /// A transaction being published: what its events name as their `source`.
    struct Transaction: Equatable {
        var xid: UInt32
        var commitLSN: LSN
        /// Commit time, Unix microseconds.
        var commitMicros: Int64
        /// Where it starts (its Begin, or its first Stream Start): Debezium's BEGIN id.
        var beginLSN: LSN
        /// The replication origin it came from (an Origin message), for Debezium's form.
        var origin: Origin?
        /// It arrived in stream blocks and was spooled before it committed.
        var streamed: Bool
    }

    struct Origin: Equatable {
        var name: String
        var lsn: UInt64
    }

    /// What the caller does next. The machine never does it itself: it holds no connection,
    /// no file and no producer, so every path through it is a unit test.
    enum Action: Equatable {
        case none
        /// A Relation message of a committed transaction (or between transactions): the
        /// table's columns from here on.
        case relation(PGOutputMessage.Relation)
        /// Open the transaction in the sink.
        case begin(Transaction)
        /// Publish one message of the open transaction (insert, update, delete, truncate, a
        /// logical message); `transaction` is nil for one outside any (a non-transactional
        /// message, or a protocol violation the caller reports).
        case change(PGOutputMessage, at: LSN, transaction: Transaction?)
        /// Close the transaction in the sink; `commitMicros` is the Commit's own time.
        case commit(Transaction?, endLSN: LSN, commitMicros: Int64)
        /// Keep a message of the in-progress transaction `xid` (its subtransaction `subxid`)
        /// on disk until it commits. A Relation takes effect at once as well.
        case spool(xid: UInt32, subxid: UInt32, PGOutputMessage, at: LSN)
        /// The streamed transaction committed: open it in the sink, hand every spooled
        /// message of it back to ``CaptureStateMachine/receive(_:at:)`` (or publish its
        /// encoded changes), then call ``CaptureStateMachine/replayFinished()``.
        case replay(Transaction, endLSN: LSN)
        /// The streamed transaction aborted: delete its spool.
        case discard(xid: UInt32)
        /// A subtransaction of a streamed transaction rolled back: skip its spooled changes.
        case discardSubtransaction(xid: UInt32, subxid: UInt32)
    }

    /// A standby status update to send: `flushed` is what PostgreSQL may forget.
    struct StatusUpdate: Equatable {
        var written: LSN
        var flushed: LSN
    }
}
