import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// Reads every published table inside the slot's exported snapshot and publishes the rows as
/// `op: r`. The slot's stream then starts exactly at the snapshot's consistent point: rows
/// committed before it are in the snapshot, rows committed after it come from the stream,
/// with neither gap nor overlap.
struct SnapshotReader {
    let connection: PostgresConnection
    /// nil when used only to describe tables (incremental snapshots publish themselves).
    let publisher: Publisher!
    let builder: EventBuilder
    let topics: TopicNames
    let primaryKeys: [String: [String]]
    let metrics: CaptureMetrics?
    let logger: Logger

    /// Reads `tables` in the snapshot named `snapshotName` (or in a fresh one when nil, for
    /// re-snapshots) and returns the number of rows published.
    @discardableResult
    /// The `lsn` of every snapshot row: one byte below the consistent point, which stays the
    /// snapshot's `commit_lsn`.
    ///
    /// The first WAL record written after the slot was created starts exactly at the consistent
    /// point, and it can be a change of a row the snapshot read. With the same `lsn`, that change
    /// and the row's snapshot read share (table, key, lsn), by which consumers deduplicate (they
    /// would drop the change), and a move there would repeat the ledger key (table, id, lsn,
    /// `original`) of the row's snapshot original (apply stopped on a unique violation). WAL
    /// records start at 8-byte-aligned positions, so no change has this `lsn`; by
    /// (`commit_lsn`, `lsn`) the rows still come before everything streamed.
    static func rowLSN(consistentPoint: LSN) -> LSN {
        LSN(consistentPoint.value - 1)
    }

    func run(snapshotName: String?, consistentPoint: LSN, tables: [String], whereClause: String? = nil) throws -> Int {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { _ = try? connection.execute("ROLLBACK") }
        if let snapshotName { try connection.execute("SET TRANSACTION SNAPSHOT \(connection.quoteLiteral(snapshotName))") }
        let snapshotMicros = Int64(try connection.execute("SELECT floor(extract(epoch FROM now()) * 1000000)::bigint").scalar ?? "0") ?? 0
        let captured = try tables.map { try describe($0) }
        let estimated = try tables.reduce(0) { total, table in
            total + (Int(try connection.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", [table]).scalar ?? "0") ?? 0)
        }
        // Helio frames the snapshot as a transaction of txId 0 (its reads at one byte below the
        // consistent point); Debezium's form has no frame, gives the reads the snapshot
        // transaction's own id and the consistent point, and marks first and last rows.
        let debezium = builder.debezium
        let snapshotTxID = debezium == nil ? 0 : Int64(try connection.execute("SELECT txid_current()").scalar ?? "0") ?? 0
        if debezium == nil { publisher.beginTransaction(txID: 0, commitLSN: consistentPoint, commitMicros: snapshotMicros) }
        var pending: (table: CapturedTable, row: TupleData, tableIndex: Int, firstInTable: Bool)?
        var done = 0
        let started = Clock.monotonicSeconds()
        var lastProgress = started
        // The status page's progress bar, refreshed once a second (the log line every five).
        var progress = SnapshotProgress(table: captured.first?.qualifiedName ?? "", rows: 0, estimatedRows: estimated, finished: false, started: Date())
        var lastShown = started
        metrics?.snapshotProgress(progress)
        // A person watching capture start at a terminal sees a bar; a service keeps the log lines below.
        let bar = Terminal.standardErrorIsTerminal && publisher != nil
            ? ProgressReporter("snapshot", unit: "rows", total: estimated > 0 ? estimated : nil, logger: logger, mode: .bar) : nil
        defer { bar?.finish() }
        var lastDrawn = started
        func publish(_ table: CapturedTable, _ row: TupleData, marker: SnapshotMarker, debeziumMarker: String? = nil) throws {
            var context = EventBuilder.Context(txID: snapshotTxID, lsn: debezium == nil ? Self.rowLSN(consistentPoint: consistentPoint) : consistentPoint,
                                               commitLSN: consistentPoint, commitMicros: snapshotMicros, snapshot: marker)
            context.debeziumSnapshot = debeziumMarker
            let record = builder.change(op: .read, table: table, before: nil, after: row, context: context)
            if let debezium {
                try publisher.record(OutgoingRecord(topic: table.topic, key: record.key, value: record.value, shared: debezium.contextHeaders))
            } else {
                try publisher.change(topic: table.topic, collection: table.qualifiedName, key: record.key, value: record.value, tombstone: false)
            }
            metrics?.snapshotRow()
        }
        /// A row whose successor is known: it ends its table when the next row is of another one.
        func publishPending(nextTableIndex: Int?) throws {
            guard let previous = pending else { return }
            let marker = DebeziumSnapshotMarker.marker(firstTable: previous.tableIndex == 0, firstInTable: previous.firstInTable,
                                                       lastInTable: nextTableIndex != previous.tableIndex, lastOfSnapshot: nextTableIndex == nil)
            try publish(previous.table, previous.row, marker: nextTableIndex == nil ? .last : .true, debeziumMarker: debezium == nil ? nil : marker)
        }
        for (tableIndex, table) in captured.enumerated() {
            let columns = table.relation.columns.map { connection.quoteIdentifier($0.name) }.joined(separator: ", ")
            var sql = "COPY (SELECT \(columns) FROM \(quote(table.qualifiedName))"
            if let whereClause { sql += " WHERE \(whereClause)" }
            sql += ") TO STDOUT"
            try connection.copyOut(sql) { line in
                let row = TupleData(values: CopyText.parseLine(line).map { $0.map(TupleValue.text) ?? .null })
                // One row of lookahead, so the very last row can be marked `last` (and, in
                // Debezium's form, a table's last row `last_in_data_collection`).
                let firstInTable = pending?.tableIndex != tableIndex
                try publishPending(nextTableIndex: tableIndex)
                pending = (table, row, tableIndex, firstInTable)
                done += 1
                let now = Clock.monotonicSeconds()
                if let bar, now - lastDrawn >= 0.1 {
                    lastDrawn = now
                    bar.update(done: done)
                }
                if now - lastShown >= 1 {
                    lastShown = now
                    progress.table = table.qualifiedName
                    progress.rows = done
                    metrics?.snapshotProgress(progress)
                }
                if now - lastProgress >= 5 {
                    lastProgress = now
                    logger.info("snapshot progress", metadata: [
                        LogKeys.table: "\(table.qualifiedName)", LogKeys.rows: "\(done)", "rows_estimated": "\(estimated)",
                        "rows_per_second": "\(Int(Double(done) / (now - started)))"])
                }
            }
        }
        try publishPending(nextTableIndex: nil)
        if debezium == nil {
            try publisher.commitTransaction(endLSN: consistentPoint)
        } else {
            publisher.snapshotEnded(at: consistentPoint)
        }
        progress.rows = done
        progress.finished = true
        metrics?.snapshotProgress(progress)
        bar?.update(done: done, total: done)   // the estimate was only an estimate: end at 100 %
        bar?.finish()
        logger.notice("snapshot read", metadata: [LogKeys.rows: "\(done)", "tables": "\(tables.count)",
                                                  LogKeys.durationMs: "\(Int((Clock.monotonicSeconds() - started) * 1000))"])
        return done
    }

    /// A Relation built from the catalog, as the stream would describe the table.
    func describe(_ table: String) throws -> CapturedTable {
        let oid = UInt32(try connection.execute("SELECT $1::regclass::oid", [table]).scalar ?? "0") ?? 0
        let keys = primaryKeys[table] ?? []
        let rows = try connection.execute("""
            SELECT attname, atttypid, atttypmod FROM pg_attribute
            WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, [table]).rows
        let columns = rows.map { row in
            PGOutputMessage.Relation.Column(isKey: keys.contains(row[0]!), name: row[0]!,
                                            typeOID: UInt32(row[1]!) ?? 25, typeModifier: Int32(row[2]!) ?? -1)
        }
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        let relation = PGOutputMessage.Relation(id: oid, namespace: parts[0], name: parts[1], replicaIdentity: .default, columns: columns)
        var cache = RelationCache(topics: topics, primaryKeys: primaryKeys)
        try cache.update(relation)
        if builder.debezium != nil {
            cache.setDebeziumColumns(try ColumnCatalog(connection: connection).columns(for: relation), for: oid)
        }
        return try cache.table(oid)
    }

    func quote(_ table: String) -> String {
        table.split(separator: ".", maxSplits: 1).map { connection.quoteIdentifier(String($0)) }.joined(separator: ".")
    }
}
