import HelioEvents
import HelioKafka
import PGOutput

/// The session's side of the spool: what a streamed transaction's messages become on disk,
/// and how they come back at its Stream Commit. Which transaction they belong to, and when
/// to replay or discard, is `CaptureStateMachine`'s to say.
extension CaptureSession {
    /// Keeps a message of an in-progress transaction. A row change is encoded now, but for
    /// what depends on the commit, while the server streams on; anything else (a Relation,
    /// which takes effect at once too, a Debezium key change made at commit) is kept as bytes.
    func spoolMessage(_ message: PGOutputMessage, bytes: ArraySlice<UInt8>, xid: UInt32, subxid: UInt32, lsn: LSN) throws {
        switch message {
        case .relation(let relation):
            try updateRelation(relation)
        case .insert(let insert):
            return try spoolChange(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, xid: xid, subxid: subxid, lsn: lsn)
        case .update(let update) where builder.debezium != nil
            && (try? relations.table(update.relationID)).map({ keyChanged($0, before: update.oldTuple?.tuple, after: update.newTuple) }) == true:
            // Debezium's form: a key change becomes a delete and a create, made at commit.
            break
        case .update(let update):
            return try spoolChange(.update, relationID: update.relationID, before: update.oldTuple?.tuple, after: update.newTuple,
                                   xid: xid, subxid: subxid, lsn: lsn)
        case .delete(let delete):
            return try spoolChange(.delete, relationID: delete.relationID, before: delete.oldTuple.tuple, after: nil, xid: xid, subxid: subxid, lsn: lsn)
        default:
            break
        }
        try spool.append(xid: xid, subxid: subxid, walStart: lsn, streamedMessage: bytes)
    }

    private func spoolChange(_ op: ChangeOp, relationID: UInt32, before: TupleData?, after: TupleData?,
                             xid: UInt32, subxid: UInt32, lsn: LSN) throws {
        let table = try relations.table(relationID)
        let encoded = builder.head(table: table, before: before, after: after)
        try spool.append(xid: xid, subxid: subxid, walStart: lsn, change: StreamSpool.EncodedChange(
            op: op, relationID: relationID, key: encoded.key, keyText: encoded.keyText, head: encoded.head))
    }

    /// Publishes what was spooled of a streamed transaction, now open in the sink. Messages
    /// kept as bytes are in their transaction form and go through the state machine again,
    /// as if the transaction had arrived whole; encoded changes get their commit-dependent tail.
    func replayStreamed(_ transaction: CaptureStateMachine.Transaction) throws {
        var replayDecoder = PGOutputDecoder()
        var sinceStatusCheck = 0
        var replayed = 0
        let started = Clock.monotonicSeconds()
        try spool.replay(xid: transaction.xid, headRoom: builder.tailCapacity, keyTexts: { self.incremental?.watchesKeys == true }) { lsn, record in
            switch record {
            case .message(let bytes):
                let message = try replayDecoder.decode(bytes)
                try self.perform(self.core.machine.receive(message, at: lsn))
            case .change(var change):
                let table = try self.relations.table(change.relationID)
                self.incremental?.observe(table: table, key: change.keyText)
                if let debezium = self.builder.debezium {
                    var context = try self.context(lsn)
                    context.order = try self.sink.order(table.qualifiedName)
                    self.builder.finish(&change.head, op: change.op, table: table, context: context)
                    try self.sink.record(OutgoingRecord(topic: table.topic, key: change.key, value: change.head, shared: debezium.contextHeaders))
                    if change.op == .delete {
                        try self.sink.record(OutgoingRecord(topic: table.topic, key: change.key, value: nil, shared: debezium.contextHeaders))
                    }
                } else {
                    self.builder.finish(&change.head, op: change.op, table: table, context: try self.context(lsn))
                    try self.sink.change(topic: table.topic, collection: table.qualifiedName, key: change.key, value: change.head,
                                         tombstone: change.op == .delete)
                }
                self.capturedCounts.add(table.name)
            }
            replayed += 1
            // Replaying a large transaction takes longer than the short wal_sender_timeout
            // capture sets (CaptureLeadership) when Kafka never makes it wait: it must keep
            // replying, or the server ends the session mid-replay and it starts over. Every
            // 128th record (well under a millisecond): reading the clock for each was 1-2 % of
            // the replay (bench/capture, docs/benchmarks.md).
            sinceStatusCheck += 1
            if sinceStatusCheck >= 128 {
                sinceStatusCheck = 0
                try self.sendStatusIfDue(force: false)
            }
        }
        // A large transaction is published only now, from the spool: say how long that took
        // (handed to the producer; Kafka's acknowledgements follow).
        let seconds = ((Clock.monotonicSeconds() - started) * 1_000).rounded() / 1_000
        logger.info("streamed transaction published from the spool", metadata: [
            "xid": "\(transaction.xid)", "records": "\(replayed)", "seconds": "\(seconds)"])
    }
}
