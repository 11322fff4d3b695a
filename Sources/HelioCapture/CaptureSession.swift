import Foundation
import HelioEvents
import HelioKafka
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
    /// Debezium's form: the catalog's view of each table's columns.
    var catalog: ColumnCatalog?

    /// The transaction being read (protocol 1, or a non-streamed one in protocol 2).
    struct Current {
        var xid: UInt32
        var commitLSN: LSN
        var commitMicros: Int64
        /// Where the transaction starts (the BEGIN message's position): Debezium's BEGIN id.
        var beginLSN = LSN(0)
        /// The replication origin the transaction came from (an Origin message), for Debezium's form.
        var origin: (name: String, lsn: UInt64)? = nil
    }
    var current: Current?
    /// The position of the first Stream Start of each transaction being streamed: its
    /// beginning, for Debezium's BEGIN id when it commits.
    var streamFirstLSN: [UInt32: LSN] = [:]
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
        incremental?.metrics = metrics
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
            finishResyncIfDone()
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
            if streamFirstLSN[start.xid] == nil { streamFirstLSN[start.xid] = lsn }
            return
        case .streamStop:
            streamTopXID = nil
            return
        case .streamCommit(let commit):
            try replayStreamed(commit)
            return
        case .streamAbort(let abort):
            if abort.abortsWholeTransaction {
                spool.discard(xid: abort.xid)
                streamFirstLSN[abort.xid] = nil
            } else {
                spool.abortSubtransaction(xid: abort.xid, subxid: abort.subxid)
            }
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
                try updateRelation(relation)
                try spool.append(xid: top, subxid: xid, walStart: lsn, data: data)
            case .insert(let insert):
                try spoolChange(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, xid: top, subxid: xid, lsn: lsn)
            case .update(let update) where builder.debezium != nil
                && (try? relations.table(update.relationID)).map({ keyChanged($0, before: update.oldTuple?.tuple, after: update.newTuple) }) == true:
                // Debezium's form: a key change becomes a delete and a create, made at commit.
                try spool.append(xid: top, subxid: xid, walStart: lsn, data: data)
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
            current = Current(xid: begin.xid, commitLSN: begin.finalLSN, commitMicros: PostgresTime.unixMicros(postgresMicros: begin.commitTime),
                              beginLSN: lsn)
            publisher.beginTransaction(txID: Int64(begin.xid), commitLSN: begin.finalLSN, commitMicros: current!.commitMicros, beginLSN: lsn)
        case .commit(let commit):
            try publisher.commitTransaction(endLSN: commit.endLSN)
            metrics.committed(commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime))
            committedForDebezium(endLSN: commit.endLSN)
            current = nil
        case .relation(let relation):
            try updateRelation(relation)
        case .insert(let insert):
            try publishRow(.create, relationID: insert.relationID, before: nil, after: insert.newTuple, lsn: lsn)
        case .update(let update):
            try publishRow(.update, relationID: update.relationID, before: update.oldTuple?.tuple, after: update.newTuple, lsn: lsn)
        case .delete(let delete):
            try publishRow(.delete, relationID: delete.relationID, before: delete.oldTuple.tuple, after: nil, lsn: lsn)
        case .truncate(let truncate):
            // Debezium's default `skipped.operations=t`: no event, but the transaction still counts.
            if builder.debezium != nil {
                publisher.markVisible()
                return
            }
            for id in truncate.relationIDs {
                let table = try relations.table(id)
                let value = builder.truncate(table: table, context: try context(lsn))
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: nil, value: value, tombstone: false)
            }
        case .message(let message):
            if builder.debezium != nil, !message.prefix.hasPrefix("helio.") {
                try publishDebeziumMessage(message, at: lsn)
                return
            }
            try handleLogicalMessage(message, at: lsn)
        case .origin(let origin):
            current?.origin = (origin.name, origin.commitLSN.value)
        case .type, .streamStart, .streamStop, .streamCommit, .streamAbort:
            break
        }
    }

    /// A Relation message: the table's columns from here on (and, in Debezium's form, what the
    /// catalog says of them).
    private func updateRelation(_ relation: PGOutputMessage.Relation) throws {
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
                    try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, headers: debezium.contextHeaders))
                    metrics.snapshotRow()
                }
                for key in publication.deletes {
                    let record = builder.change(op: .delete, table: table, before: Self.keyImage(table, key), after: nil, context: context)
                    try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, headers: debezium.contextHeaders))
                    try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: nil, headers: debezium.contextHeaders))
                }
                return
            }
            for row in rows {
                let record = builder.change(op: .read, table: table, before: nil, after: row, context: context)
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: false)
                metrics.snapshotRow()
            }
            // Rows the source lost while the slot was gone (a resync): deletes with only the key,
            // as PostgreSQL sends for a table without REPLICA IDENTITY FULL, and their tombstones.
            for key in publication.deletes {
                let record = builder.change(op: .delete, table: table, before: Self.keyImage(table, key), after: nil, context: context)
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: true)
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
            metrics.captured(table: table.name)
            return
        }
        let record = builder.change(op: op, table: table, before: before, after: after, context: try context(lsn))
        try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value,
                             tombstone: op == .delete)
        metrics.captured(table: table.name)
    }

    private func context(_ lsn: LSN) throws -> EventBuilder.Context {
        guard let current else { throw CaptureError.protocolViolation("a row change arrived outside a transaction") }
        var context = EventBuilder.Context(txID: Int64(current.xid), lsn: lsn, commitLSN: current.commitLSN, commitMicros: current.commitMicros)
        context.origin = current.origin
        return context
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
        let beginLSN = streamFirstLSN.removeValue(forKey: commit.xid) ?? commit.commitLSN
        current = Current(xid: commit.xid, commitLSN: commit.commitLSN, commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime),
                          beginLSN: beginLSN)
        publisher.beginTransaction(txID: Int64(commit.xid), commitLSN: commit.commitLSN, commitMicros: current!.commitMicros, beginLSN: beginLSN)
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
                if let debezium = self.builder.debezium {
                    var context = try self.context(lsn)
                    context.order = try self.publisher.order(table.qualifiedName)
                    self.builder.finish(&change.head, op: change.op, table: table, context: context)
                    try self.publisher.record(OutgoingRecord(topic: table.topic, key: change.key, value: change.head, headers: debezium.contextHeaders))
                    if change.op == .delete {
                        try self.publisher.record(OutgoingRecord(topic: table.topic, key: change.key, value: nil, headers: debezium.contextHeaders))
                    }
                } else {
                    self.builder.finish(&change.head, op: change.op, table: table, context: try self.context(lsn))
                    try self.publisher.change(topic: table.topic, collection: table.qualifiedName, key: change.key, value: change.head,
                                              tombstone: change.op == .delete)
                }
                self.metrics.captured(table: table.name)
            }
        }
        try publisher.commitTransaction(endLSN: commit.endLSN)
        metrics.committed(commitMicros: PostgresTime.unixMicros(postgresMicros: commit.commitTime))
        metrics.streamedTransaction()
        committedForDebezium(endLSN: commit.endLSN)
        current = nil
    }

    // MARK: - Debezium's form

    /// After a commit: the LSN and time Debezium's next events name as the last commit.
    private func committedForDebezium(endLSN: LSN) {
        guard let debezium = builder.debezium else { return }
        debezium.lastCommitLSN = endLSN
        debezium.lastCommitMicros = current?.commitMicros
    }

    /// Whether an update moved the row to another key (the old key image differs from the new).
    func keyChanged(_ table: CapturedTable, before: TupleData?, after: TupleData) -> Bool {
        guard let before else { return false }
        for index in table.keyColumns {
            let old = before.values[safe: index] ?? .null
            let new = after.values[safe: index] ?? .null
            if case .unchangedToast = new { continue }
            if old != new { return true }
        }
        return false
    }

    /// A row change in Debezium's form: its place in the transaction, its headers, a
    /// tombstone after a delete; a key change as a delete and tombstone under the old key
    /// and a create under the new (Debezium's default), each with the other key in a header.
    private func publishDebezium(_ op: ChangeOp, table: CapturedTable, before: TupleData?, after: TupleData?,
                                 context base: EventBuilder.Context, form: DebeziumForm) throws {
        var context = base
        if op == .update, let after, let before, keyChanged(table, before: before, after: after) {
            let oldKey = builder.key(table, before)
            let newKey = builder.key(table, after)
            let schema = form.keySchema(table)
            context.order = try publisher.order(table.qualifiedName)
            var deleted: [UInt8] = []
            ChangeEnvelope.encodeHead(before: builder.row(table, before, fillFrom: nil), after: nil, into: &deleted)
            builder.finish(&deleted, op: .delete, table: table, context: context)
            let newKeyHeaders = [("__debezium.newkey", DebeziumHeaders.key(newKey, schema: schema))] + form.contextHeaders
            try publisher.record(OutgoingRecord(topic: table.topic, key: oldKey, value: deleted, headers: newKeyHeaders))
            try publisher.record(OutgoingRecord(topic: table.topic, key: oldKey, value: nil, headers: newKeyHeaders))
            context.order = try publisher.order(table.qualifiedName)
            var created: [UInt8] = []
            ChangeEnvelope.encodeHead(before: nil, after: builder.row(table, after, fillFrom: before), into: &created)
            builder.finish(&created, op: .create, table: table, context: context)
            try publisher.record(OutgoingRecord(topic: table.topic, key: newKey, value: created,
                                                headers: [("__debezium.oldkey", DebeziumHeaders.key(oldKey, schema: schema))] + form.contextHeaders))
            return
        }
        context.order = try publisher.order(table.qualifiedName)
        let record = builder.change(op: op, table: table, before: before, after: after, context: context)
        try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, headers: form.contextHeaders))
        if op == .delete {
            try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: nil, headers: form.contextHeaders))
        }
    }

    /// A logical decoding message on `<prefix>.message`, as Debezium publishes it (Helio's
    /// own messages, prefix `helio.`, are not: heartbeats, snapshot signals and watermarks).
    /// Inside a transaction it is one of its events; a non-transactional message has no
    /// txId and counts, as in Debezium, as a commit at its own LSN.
    private func publishDebeziumMessage(_ message: PGOutputMessage.LogicalMessage, at lsn: LSN) throws {
        guard let form = builder.debezium else { return }
        var source = DebeziumSource(version: builder.version, name: builder.prefix, db: builder.database, schema: "", table: "",
                                    tsUs: form.lastCommitMicros ?? Clock.unixMicros(), lastCommitLSN: form.lastCommitLSN?.value,
                                    txId: nil, lsn: lsn.value)
        var block: DebeziumEnvelope.TransactionBlock?
        if message.isTransactional, let current {
            source.txId = Int64(current.xid)
            source.tsUs = current.commitMicros
            source.origin = current.origin?.name
            source.originLSN = current.origin?.lsn
            if let order = try publisher.order(DebeziumEnvelope.messageDataCollection(lsn: lsn.value)) {
                block = .init(txId: Int64(current.xid), lsn: lsn.value, totalOrder: order.total, dataCollectionOrder: order.collection)
            }
        } else {
            form.lastCommitLSN = lsn
            source.lastCommitLSN = lsn.value
        }
        let value = DebeziumEnvelope.message(prefix: message.prefix, content: message.content, source: source, transaction: block,
                                             timeMillis: Clock.unixMillis())
        try publisher.record(OutgoingRecord(topic: publisher.topics.message, key: DebeziumEnvelope.messageKey(prefix: message.prefix), value: value))
    }

    /// The resync's marker file, while one runs (`CaptureService`); removed once every table
    /// was re-read and Kafka acknowledged all of it, so a restart before that resumes the resync.
    var resyncMarker: String?
    /// The delivery id of the resync's last record, once every table was re-read.
    private var resyncLastRecord: UInt64?

    private func finishResyncIfDone() {
        guard let marker = resyncMarker, let incremental, !incremental.resyncing, current == nil else { return }
        // Not the tracker's idleness: under steady load it may never be idle at once.
        let last = resyncLastRecord ?? publisher.tracker.lastAssigned
        resyncLastRecord = last
        guard publisher.tracker.acknowledgedThrough >= last else { return }
        unlink(marker)
        resyncLastRecord = nil
        metrics.resyncing(tables: 0)
        resyncMarker = nil
        logger.notice("resync finished: every table re-read, rows the source lost deleted; the topics match the source again",
                      metadata: [LogKeys.slot: "\(config.slot)"])
    }

    func sendStatusIfDue(force: Bool) throws {
        if force { publisher.collect(timeoutMilliseconds: 0) }
        let now = Clock.monotonicSeconds()
        let confirmed = publisher.tracker.confirmable
        guard force || now - lastStatusSent >= config.statusIntervalSeconds || (confirmed > lastConfirmedSent && now - lastStatusSent >= 1) else { return }
        let update = StandbyStatusUpdate(written: max(lastReceived, confirmed), flushed: confirmed, applied: confirmed,
                                         clientTime: PostgresTime.postgresMicros(unixMicros: Clock.unixMicros()))
        // Recorded before it is sent: the file's bound of what was confirmed tells this slot from a new one.
        publisher.logGuard?.save(confirming: confirmed)
        try stream.send(update.encode())
        lastStatusSent = now
        lastConfirmedSent = confirmed
        metrics.confirmed(confirmed)
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
