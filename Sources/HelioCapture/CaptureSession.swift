import HelioEvents
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// One replication connection's life: START_REPLICATION, then read, publish, confirm until
/// stopped or the connection breaks. The publisher (and its delivery tracker) outlive the
/// session, so a reconnect keeps waiting for records already handed to Kafka.
final class CaptureSession {
    let stream: ReplicationStream
    let publisher: Publisher
    let builder: EventBuilder
    let config: HelioConfiguration
    let logger: Logger
    let spool: StreamSpool
    let heartbeat: Heartbeat?
    let incremental: IncrementalSnapshot?
    let shouldStop: () -> Bool
    var relations: RelationCache
    var decoder = PGOutputDecoder()

    /// The transaction being read (protocol 1, or a non-streamed one in protocol 2).
    struct Current { var xid: UInt32; var commitLSN: LSN; var commitMicros: Int64 }
    var current: Current?
    var lastReceived = LSN(0)
    var lastStatusSent = 0.0
    var lastConfirmedSent = LSN(0)
    let metrics: CaptureMetrics

    init(stream: ReplicationStream, publisher: Publisher, builder: EventBuilder, relations: RelationCache,
         config: HelioConfiguration, spool: StreamSpool, heartbeat: Heartbeat?, incremental: IncrementalSnapshot?,
         metrics: CaptureMetrics, logger: Logger, shouldStop: @escaping () -> Bool) {
        self.stream = stream
        self.publisher = publisher
        self.builder = builder
        self.relations = relations
        self.config = config
        self.spool = spool
        self.heartbeat = heartbeat
        self.incremental = incremental
        self.metrics = metrics
        self.logger = logger
        self.shouldStop = shouldStop
    }

    func run() throws {
        publisher.whileWaiting = { [unowned self] in try self.sendStatusIfDue(force: false) }
        defer { publisher.whileWaiting = {} }
        var lastCollect = 0.0
        while !shouldStop() {
            if let payload = try stream.read(timeoutMilliseconds: 100) {
                try handle(payload)
            }
            // Acknowledgements are taken on a clock, not only when the stream is quiet: a server
            // that is shutting down sends keepalives back to back and waits for our position.
            let now = Clock.monotonicSeconds()
            if now - lastCollect >= 0.05 {
                lastCollect = now
                publisher.collect(timeoutMilliseconds: 0)
            }
            // Self-throttled: a heartbeat and the retained-WAL reading, busy or idle.
            heartbeat?.beatIfDue()
            try publisher.checkFailure()
            try sendStatusIfDue(force: false)
            // The next chunk of a requested re-snapshot starts once the previous one is published.
            if current == nil { try incremental?.step() }
        }
        shutdown()
    }

    private func handle(_ payload: [UInt8]) throws {
        switch try ReplicationMessage(decoding: payload) {
        case .xLogData(let walStart, let walEnd, _, let data):
            if walEnd > lastReceived { lastReceived = walEnd }
            try handle(message: data, at: walStart)
        case .primaryKeepalive(let walEnd, _, let replyRequested):
            if walEnd > lastReceived { lastReceived = walEnd }
            metrics.alive()
            // With nothing open or unacknowledged, the server's position is safe to confirm:
            // an idle publication must not pin WAL.
            if replyRequested { publisher.collect(timeoutMilliseconds: 0) }
            if current == nil && spool.isEmpty { publisher.tracker.confirmIdle(upTo: walEnd) }
            try sendStatusIfDue(force: replyRequested)
        }
    }

    private func handle(message data: ArraySlice<UInt8>, at lsn: LSN) throws {
        let message = try decoder.decode(data)
        switch message {
        case .streamStart(let start):
            streamTopXID = start.xid
            return
        case .streamStop:
            streamTopXID = nil
            return
        case .streamCommit(let commit):
            try replayStreamed(commit)
            return
        case .streamAbort(let abort):
            if abort.abortsWholeTransaction { spool.discard(xid: abort.xid) } else { spool.abortSubtransaction(xid: abort.xid, subxid: abort.subxid) }
            return
        default:
            break
        }
        if decoder.isInStreamBlock, let xid = message.streamXID {
            // A change of a transaction still in progress: keep it on disk until it commits,
            // already encoded but for what depends on the commit, while the server streams on.
            let top = streamTopXID ?? xid
            switch message {
            case .relation(let relation):
                try relations.update(relation)
                try spool.append(xid: top, subxid: xid, walStart: lsn, data: data)
            case .insert(let insert):
                try spoolChange(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, xid: top, subxid: xid, lsn: lsn)
            case .update(let update):
                try spoolChange(.update, relationID: update.relationID, before: update.oldTuple?.tuple, after: update.newTuple,
                                xid: top, subxid: xid, lsn: lsn)
            case .delete(let delete):
                try spoolChange(.delete, relationID: delete.relationID, before: delete.oldTuple.tuple, after: nil, xid: top, subxid: xid, lsn: lsn)
            default:
                try spool.append(xid: top, subxid: xid, walStart: lsn, data: data)
            }
            return
        }
        try apply(message, at: lsn)
    }

    /// The top-level xid of the stream block being read (Stream Start names it).
    var streamTopXID: UInt32?

    /// Handles a message of a committed (or protocol-1, in-order) transaction.
    func apply(_ message: PGOutputMessage, at lsn: LSN) throws {
        switch message {
        case .begin(let begin):
            current = Current(xid: begin.xid, commitLSN: begin.finalLSN, commitMicros: PostgresTime.unixMicros(postgresMicros: begin.commitTime))
            publisher.beginTransaction(txID: Int64(begin.xid), commitLSN: begin.finalLSN, commitMicros: current!.commitMicros)
        case .commit(let commit):
            try publisher.commitTransaction(endLSN: commit.endLSN)
            metrics.committed(commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime))
            current = nil
        case .relation(let relation):
            try relations.update(relation)
        case .insert(let insert):
            try publishRow(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, lsn: lsn)
        case .update(let update):
            try publishRow(.update, relationID: update.relationID, before: update.oldTuple?.tuple, after: update.newTuple, lsn: lsn)
        case .delete(let delete):
            try publishRow(.delete, relationID: delete.relationID, before: delete.oldTuple.tuple, after: nil, lsn: lsn)
        case .truncate(let truncate):
            for id in truncate.relationIDs {
                let table = try relations.table(id)
                let value = builder.truncate(table: table, context: try context(lsn))
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: nil, value: value, tombstone: false)
            }
        case .message(let message):
            try handleLogicalMessage(message, at: lsn)
        case .origin, .type, .streamStart, .streamStop, .streamCommit, .streamAbort:
            break
        }
    }

    /// Snapshot requests and watermarks travel through the WAL as logical messages.
    private func handleLogicalMessage(_ message: PGOutputMessage.LogicalMessage, at lsn: LSN) throws {
        // Helio writes its messages transactionally; anything else with its prefix is ignored.
        guard let incremental, message.isTransactional, current != nil else { return }
        switch message.prefix {
        case IncrementalSnapshot.signalPrefix:
            incremental.signal(message.content)
        case IncrementalSnapshot.watermarkPrefix:
            guard let (table, rows) = incremental.watermark(message.content) else { return }
            var context = try context(lsn)
            context.snapshot = .true
            for row in rows {
                let record = builder.change(op: .read, table: table, before: nil, after: row, context: context)
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: false)
                metrics.snapshotRow()
            }
        default:
            break
        }
    }

    private func publishRow(_ op: ChangeOp, relationID: UInt32, before: TupleData?, after: TupleData?, lsn: LSN) throws {
        let table = try relations.table(relationID)
        if let incremental, !incremental.isIdle {
            let image = after ?? before
            if let image, case .text(let key)? = image.values[safe: table.keyColumns[0]] { incremental.observe(table: table, key: key) }
        }
        let record = builder.change(op: op, table: table, before: before, after: after, context: try context(lsn))
        try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value,
                             tombstone: op == .delete)
        metrics.captured(table: table.name)
    }

    private func context(_ lsn: LSN) throws -> EventBuilder.Context {
        guard let current else { throw CaptureError.protocolViolation("a row change arrived outside a transaction") }
        return EventBuilder.Context(txID: Int64(current.xid), lsn: lsn, commitLSN: current.commitLSN, commitMicros: current.commitMicros)
    }

    private func spoolChange(_ op: ChangeOp, relationID: UInt32, before: TupleData?, after: TupleData?,
                             xid: UInt32, subxid: UInt32, lsn: LSN) throws {
        let table = try relations.table(relationID)
        let encoded = builder.head(table: table, before: before, after: after)
        try spool.append(xid: xid, subxid: subxid, walStart: lsn, change: StreamSpool.EncodedChange(
            op: op, relationID: relationID, key: encoded.key, keyText: encoded.keyText, head: encoded.head))
    }

    /// Publishes a streamed transaction from its spool file, now that it committed.
    private func replayStreamed(_ commit: PGOutputMessage.StreamCommit) throws {
        current = Current(xid: commit.xid, commitLSN: commit.commitLSN, commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime))
        publisher.beginTransaction(txID: Int64(commit.xid), commitLSN: commit.commitLSN, commitMicros: current!.commitMicros)
        var replayDecoder = PGOutputDecoder()
        // Spooled messages were written inside a stream block and carry the xid after the tag.
        _ = try replayDecoder.decode([UInt8(ascii: "S"), 0, 0, 0, 0, 0])
        try spool.replay(xid: commit.xid) { lsn, record in
            switch record {
            case .message(let bytes):
                try self.apply(try replayDecoder.decode(bytes), at: lsn)
            case .change(var change):
                let table = try self.relations.table(change.relationID)
                self.incremental?.observe(table: table, key: change.keyText)
                self.builder.finish(&change.head, op: change.op, table: table, context: try self.context(lsn))
                try self.publisher.change(topic: table.topic, collection: table.qualifiedName, key: change.key, value: change.head,
                                          tombstone: change.op == .delete)
                self.metrics.captured(table: table.name)
            }
        }
        try publisher.commitTransaction(endLSN: commit.endLSN)
        metrics.committed(commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime))
        metrics.streamedTransaction()
        current = nil
    }

    func sendStatusIfDue(force: Bool) throws {
        if force { publisher.collect(timeoutMilliseconds: 0) }
        let now = Clock.monotonicSeconds()
        let confirmed = publisher.tracker.confirmable
        guard force || now - lastStatusSent >= config.statusIntervalSeconds || (confirmed > lastConfirmedSent && now - lastStatusSent >= 1) else { return }
        let update = StandbyStatusUpdate(written: max(lastReceived, confirmed), flushed: confirmed, applied: confirmed,
                                         clientTime: PostgresTime.postgresMicros(unixMicros: Clock.unixMicros()))
        try stream.send(update.encode())
        lastStatusSent = now
        lastConfirmedSent = confirmed
        metrics.confirmed(confirmed)
        publisher.logGuard?.save()
    }

    /// SIGTERM: let Kafka acknowledge what it has, confirm that, and end the stream cleanly.
    private func shutdown() {
        let drained = publisher.drain(timeoutMilliseconds: 30_000)
        if !drained { logger.warning("stopping with unacknowledged records; they will be sent again after restart") }
        try? sendStatusIfDue(force: true)
        stream.finish()
        logger.info("capture stopped", metadata: [LogKeys.confirmedLSN: "\(publisher.tracker.confirmable)"])
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension PGOutputMessage {
    /// The xid a message carries inside a stream block.
    var streamXID: UInt32? {
        switch self {
        case .relation(let message): message.xid
        case .type(let message): message.xid
        case .insert(let message): message.xid
        case .update(let message): message.xid
        case .delete(let message): message.xid
        case .truncate(let message): message.xid
        case .message(let message): message.xid
        default: nil
        }
    }
}
