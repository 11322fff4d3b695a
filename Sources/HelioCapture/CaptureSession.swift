import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// One replication connection's life: START_REPLICATION, then read, publish, confirm until
/// stopped or the connection breaks. What each message means for the transactions, the spool
/// and the slot is decided by `CaptureStateMachine` (held by `CaptureCore`, which outlives
/// the session with the sink, so a reconnect keeps waiting for records already handed to
/// Kafka); the session performs its actions: it builds the events, writes and replays the
/// spool, and talks to the server.
final class CaptureSession {
    let stream: ReplicationStream
    let sink: any ChangeSink
    let core: CaptureCore
    let builder: EventBuilder
    let config: HelioConfiguration
    let logger: Logger
    let spool: StreamSpool
    let heartbeat: Heartbeat?
    let incremental: IncrementalSnapshot?
    let shouldStop: () -> Bool
    /// Told the position a status update is about to confirm, before it is sent (the
    /// delivery marker keeps a bound of every position confirmed).
    let willConfirm: (LSN) -> Void
    var relations: RelationCache
    var decoder = PGOutputDecoder()
    /// Debezium's form: the catalog's view of each table's columns.
    var catalog: ColumnCatalog?
    let metrics: CaptureMetrics
    /// The transaction's changes per table, for the metrics at its commit.
    var capturedCounts = CapturedCounts()

    init(stream: ReplicationStream, sink: any ChangeSink, core: CaptureCore, builder: EventBuilder, relations: RelationCache,
         config: HelioConfiguration, spool: StreamSpool, heartbeat: Heartbeat?, incremental: IncrementalSnapshot?,
         metrics: CaptureMetrics, logger: Logger, willConfirm: @escaping (LSN) -> Void = { _ in }, shouldStop: @escaping () -> Bool) {
        self.stream = stream
        self.sink = sink
        self.core = core
        self.builder = builder
        self.relations = relations
        self.config = config
        self.spool = spool
        self.heartbeat = heartbeat
        self.incremental = incremental
        self.metrics = metrics
        incremental?.metrics = metrics
        self.logger = logger
        self.willConfirm = willConfirm
        self.shouldStop = shouldStop
        // The server sends again whatever was streamed of a transaction on an earlier connection.
        for xid in core.machine.connected() { spool.discard(xid: xid) }
    }

    /// The transaction being published, if any.
    var current: CaptureStateMachine.Transaction? { core.machine.open }

    func run() throws {
        sink.whileWaiting = { [unowned self] in try self.sendStatusIfDue(force: false) }
        defer { sink.whileWaiting = {} }
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
                sink.collect(timeoutMilliseconds: 0)
            }
            // Self-throttled: a heartbeat and the retained-WAL reading, busy or idle.
            heartbeat?.beatIfDue(now: now)
            try sink.checkFailure()
            try sendStatusIfDue(force: false, now: now)
            // The next chunk of a requested re-snapshot starts once the previous one is published.
            if !core.machine.isInTransaction { try incremental?.step() }
            finishResyncIfDone()
        }
        shutdown()
    }

    private func handle(_ payload: [UInt8]) throws {
        switch try ReplicationMessage(decoding: payload) {
        case .xLogData(let walStart, let walEnd, _, let data):
            core.machine.received(walEnd: walEnd)
            let message = try decoder.decode(data)
            try perform(core.machine.receive(message, at: walStart), data: data)
        case .primaryKeepalive(let walEnd, _, let replyRequested):
            metrics.alive()
            if replyRequested { sink.collect(timeoutMilliseconds: 0) }
            core.machine.keepalive(walEnd: walEnd)
            try sendStatusIfDue(force: replyRequested)
        }
    }

    /// Does what the state machine decided. `data`: the message's bytes, for the spool.
    func perform(_ action: CaptureStateMachine.Action, data: ArraySlice<UInt8>? = nil) throws {
        switch action {
        case .none:
            break
        case .relation(let relation):
            try updateRelation(relation)
        case .begin(let transaction):
            sink.beginTransaction(txID: Int64(transaction.xid), commitLSN: transaction.commitLSN, commitMicros: transaction.commitMicros,
                                  beginLSN: transaction.beginLSN)
        case .change(let message, let lsn, let transaction):
            try publish(message, at: lsn, in: transaction)
        case .commit(let transaction, let endLSN, let commitMicros):
            try sink.commitTransaction(endLSN: endLSN)
            capturedCounts.drain(into: metrics)
            metrics.committed(commitMicros: commitMicros)
            if transaction?.streamed == true { metrics.streamedTransaction() }
            committedForDebezium(endLSN: endLSN, transaction: transaction)
        case .spool(let xid, let subxid, let message, let lsn):
            try spoolMessage(message, bytes: data ?? [], xid: xid, subxid: subxid, lsn: lsn)
        case .replay(let transaction, _):
            try perform(.begin(transaction))
            try replayStreamed(transaction)
            try perform(core.machine.replayFinished())
        case .discard(let xid):
            spool.discard(xid: xid)
        case .discardSubtransaction(let xid, let subxid):
            spool.abortSubtransaction(xid: xid, subxid: subxid)
        }
    }

    /// Publishes a message of a committed (or protocol-1, in-order) transaction.
    private func publish(_ message: PGOutputMessage, at lsn: LSN, in transaction: CaptureStateMachine.Transaction?) throws {
        switch message {
        case .insert(let insert):
            try publishRow(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, lsn: lsn)
        case .update(let update):
            try publishRow(.update, relationID: update.relationID, before: update.oldTuple?.tuple, after: update.newTuple, lsn: lsn)
        case .delete(let delete):
            try publishRow(.delete, relationID: delete.relationID, before: delete.oldTuple.tuple, after: nil, lsn: lsn)
        case .truncate(let truncate):
            // Debezium's default `skipped.operations=t`: no event, but the transaction still counts.
            if builder.debezium != nil {
                sink.markVisible()
                return
            }
            for id in truncate.relationIDs {
                let table = try relations.table(id)
                let value = builder.truncate(table: table, context: try context(lsn))
                try sink.change(topic: table.topic, collection: table.qualifiedName, key: nil, value: value, tombstone: false)
            }
        case .message(let message):
            if builder.debezium != nil, !message.prefix.hasPrefix("helio.") {
                try publishDebeziumMessage(message, at: lsn, in: transaction)
                return
            }
            try handleLogicalMessage(message, at: lsn)
        default:
            break
        }
    }

    /// A Relation message: the table's columns from here on (and, in Debezium's form, what the
    /// catalog says of them).
    func updateRelation(_ relation: PGOutputMessage.Relation) throws {
        try relations.update(relation)
        if let catalog {
            relations.setDebeziumColumns(try catalog.columns(for: relation), for: relation.id)
            builder.debezium?.forgetTable("\(relation.namespace).\(relation.name)")
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
            guard let publication = incremental.watermark(message.content) else { return }
            let (table, rows) = (publication.table, publication.rows)
            var context = try context(lsn)
            context.snapshot = .true
            if let debezium = builder.debezium {
                // Debezium's incremental snapshot reads: no txId, no lsn, no transaction block.
                context.debeziumSnapshot = "incremental"
                context.noTxID = true
                context.noLSN = true
                for row in rows {
                    let record = builder.change(op: .read, table: table, before: nil, after: row, context: context)
                    try sink.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, shared: debezium.contextHeaders))
                    metrics.snapshotRow()
                }
                for key in publication.deletes {
                    let record = builder.change(op: .delete, table: table, before: Self.keyImage(table, key), after: nil, context: context)
                    try sink.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, shared: debezium.contextHeaders))
                    try sink.record(OutgoingRecord(topic: table.topic, key: record.key, value: nil, shared: debezium.contextHeaders))
                }
                return
            }
            for row in rows {
                let record = builder.change(op: .read, table: table, before: nil, after: row, context: context)
                try sink.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: false)
                metrics.snapshotRow()
            }
            // Rows the source lost while the slot was gone (a resync): deletes with only the key,
            // as PostgreSQL sends for a table without REPLICA IDENTITY FULL, and their tombstones.
            for key in publication.deletes {
                let record = builder.change(op: .delete, table: table, before: Self.keyImage(table, key), after: nil, context: context)
                try sink.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: true)
                metrics.captured(table: table.name)
            }
        default:
            break
        }
    }

    /// A row image holding only the key (single-column keys: the resync's condition).
    static func keyImage(_ table: CapturedTable, _ key: String) -> TupleData {
        TupleData(values: table.relation.columns.indices.map { $0 == table.keyColumns[0] ? .text(key) : .null })
    }

    private func publishRow(_ op: ChangeOp, relationID: UInt32, before: TupleData?, after: TupleData?, lsn: LSN) throws {
        let table = try relations.table(relationID)
        if let incremental, !incremental.isIdle {
            let image = after ?? before
            if let image, case .text(let key)? = image.values[safe: table.keyColumns[0]] { incremental.observe(table: table, key: key) }
        }
        if let debezium = builder.debezium {
            try publishDebezium(op, table: table, before: before, after: after, context: try context(lsn), form: debezium)
            capturedCounts.add(table.name)
            return
        }
        let record = builder.change(op: op, table: table, before: before, after: after, context: try context(lsn))
        try sink.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value,
                             tombstone: op == .delete)
        capturedCounts.add(table.name)
    }

    func context(_ lsn: LSN) throws -> EventBuilder.Context {
        guard let current else { throw CaptureError.protocolViolation("a row change arrived outside a transaction") }
        var context = EventBuilder.Context(txID: Int64(current.xid), lsn: lsn, commitLSN: current.commitLSN, commitMicros: current.commitMicros)
        context.origin = current.origin.map { ($0.name, $0.lsn) }
        return context
    }

    /// The resync's marker file, while one runs (`CaptureService`); removed once every table
    /// was re-read and Kafka acknowledged all of it, so a restart before that resumes the resync.
    var resyncMarker: String?
    /// The delivery id of the resync's last record, once every table was re-read.
    private var resyncLastRecord: UInt64?

    private func finishResyncIfDone() {
        guard let marker = resyncMarker, let incremental, !incremental.resyncing, current == nil else { return }
        // Not the tracker's idleness: under steady load it may never be idle at once.
        let last = resyncLastRecord ?? sink.lastDeliveryID
        resyncLastRecord = last
        guard core.machine.delivery.acknowledgedThrough >= last else { return }
        unlink(marker)
        resyncLastRecord = nil
        metrics.resyncing(tables: 0)
        resyncMarker = nil
        logger.notice("resync finished: every table re-read, rows the source lost deleted; the topics match the source again",
                      metadata: [LogKeys.slot: "\(config.slot)"])
    }

    /// `now`: the loop's clock reading, when it has one (one reading per message, not three).
    func sendStatusIfDue(force: Bool, now: Double = Clock.monotonicSeconds()) throws {
        if force { sink.collect(timeoutMilliseconds: 0) }
        guard let due = core.machine.statusUpdate(now: now, force: force) else { return }
        let update = StandbyStatusUpdate(written: due.written, flushed: due.flushed, applied: due.flushed,
                                         clientTime: PostgresTime.postgresMicros(unixMicros: Clock.unixMicros()))
        // Recorded before it is sent: the file's bound of what was confirmed tells this slot from a new one.
        willConfirm(due.flushed)
        try stream.send(update.encode())
        metrics.confirmed(due.flushed)
    }

    /// SIGTERM: let Kafka acknowledge what it has, confirm that, and end the stream cleanly.
    private func shutdown() {
        let drained = sink.drain(timeoutMilliseconds: 30_000)
        if !drained { logger.warning("stopping with unacknowledged records; they will be sent again after restart") }
        try? sendStatusIfDue(force: true)
        stream.finish()
        logger.info("capture stopped", metadata: [LogKeys.confirmedLSN: "\(core.machine.confirmable)"])
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
