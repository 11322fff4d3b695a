import Foundation
import HelioEvents
import HelioOps
import HelioPostgres
import Logging
import PGOutput

/// Re-snapshots a table while streaming continues, without ever reordering a row's changes
/// (the watermark algorithm of Netflix's DBLog, which Debezium's incremental snapshots use).
///
/// Per chunk: write a low watermark into the WAL, read the chunk (primary-key order), write a
/// high watermark. While the stream is between the two watermarks, a change to a row of the
/// chunk drops that row from the chunk: the stream carries a version at least as new. At the
/// high watermark the rows left are published as `op: r`, positioned at the high watermark,
/// so every later change of the row comes after them. Watermarks and the request itself are
/// transactional logical messages (`pg_logical_emit_message`), so no signal table and no
/// write privilege on the source are needed.
public final class IncrementalSnapshot {
    static let signalPrefix = "helio.signal"
    static let watermarkPrefix = "helio.watermark"

    struct Job {
        var id: String
        var table: String
        var whereClause: String?
        var chunkSize: Int
        var lastKey: String?
        var done = 0
        var started = Date()
        /// Part of a resync (`resync(tables:)`): rows Kafka shows live that the source no
        /// longer has are published as deletes when the table is read through.
        var resync = false
        /// The resync's census of the table, taken before its first chunk.
        var census: KeyCensus?
        /// The census being read (on its own thread) and the keys the stream touched meanwhile.
        var censusRead: CensusRead?
        var touchedEarly: Set<String> = []
    }

    struct Chunk {
        var number: Int
        var table: CapturedTable
        var rows: [String: TupleData]
        var order: [String]
        var inWindow = false
        /// The last chunk of a resync job: its census, to decide the deletes at its high watermark.
        var census: KeyCensus?
    }

    /// What a high watermark publishes: the chunk's rows left, and (at the end of a resync of
    /// the table) the keys to delete.
    struct Publication {
        var table: CapturedTable
        var rows: [TupleData]
        var deletes: [String] = []
    }

    let connection: PostgresConnection
    let builder: EventBuilder
    let topics: TopicNames
    let primaryKeys: [String: [String]]
    let logger: Logger
    /// Where the status page learns how far a requested snapshot has read (set by the session).
    var metrics: CaptureMetrics?
    /// Starts the census of a table for a resync: set by the service (drains the producer, then
    /// reads the topic on another thread).
    var takeCensus: ((_ table: String) throws -> CensusRead)?
    private var jobs: [Job] = []
    private var chunk: Chunk?
    private var chunkNumber = 0

    init(connection: PostgresConnection, builder: EventBuilder, topics: TopicNames, primaryKeys: [String: [String]], logger: Logger) {
        self.connection = connection
        self.builder = builder
        self.topics = topics
        self.primaryKeys = primaryKeys
        self.logger = logger
    }

    /// Asks a running capture (through the WAL) to re-snapshot `table`.
    public static func request(connection: PostgresConnection, table: String, whereClause: String?, chunkSize: Int) throws -> String {
        let id = UUID().uuidString.lowercased()
        var object = JSONObject([("type", .string("snapshot")), ("id", .string(id)), ("table", .string(table)),
                                 ("chunk_size", .number(String(chunkSize)))])
        if let whereClause { object.append("where", .string(whereClause)) }
        try connection.execute("SELECT pg_logical_emit_message(true, $1, $2)",
                               [signalPrefix, String(decoding: JSONValue.object(object).encoded(), as: UTF8.self)])
        return id
    }

    /// Queues a resync: every table in `tables` (single-column primary keys; others are named
    /// in a warning), re-read while streaming, with deletes for rows the source lost.
    func resync(tables: [String], chunkSize: Int = 1024) {
        for table in tables {
            guard primaryKeys[table]?.count == 1 else {
                logger.warning("resync cannot re-read a table without a single-column primary key; re-publish it by hand",
                               metadata: [LogKeys.table: "\(table)"])
                continue
            }
            jobs.append(Job(id: "resync-\(UUID().uuidString.lowercased().prefix(8))", table: table, whereClause: nil,
                            chunkSize: chunkSize, resync: true))
        }
    }

    /// Whether a resync job is queued or in flight.
    var resyncing: Bool { jobs.contains { $0.resync } || chunk?.census != nil }

    /// A signal read from the stream: queue the job.
    func signal(_ content: [UInt8]) {
        guard let value = try? JSONValue.parse(content), let object = value.objectValue,
              object["type"]?.stringValue == "snapshot", let table = object["table"]?.stringValue else {
            logger.warning("ignoring a malformed snapshot signal")
            return
        }
        let qualified = table.contains(".") ? table : "public.\(table)"
        guard primaryKeys[qualified]?.count == 1 else {
            logger.error("incremental snapshot needs a single-column primary key", metadata: [LogKeys.table: "\(qualified)"])
            return
        }
        jobs.append(Job(id: object["id"]?.stringValue ?? "?", table: qualified, whereClause: object["where"]?.stringValue,
                        chunkSize: object["chunk_size"]?.intValue ?? 1024))
        // The request's id, as `helio snapshot` logged it: the two audit lines name the same request.
        logger.notice("incremental snapshot requested", metadata: [LogKeys.table: "\(qualified)", LogKeys.audit: "snapshot",
                                                                  "request": "\(object["id"]?.stringValue ?? "?")"])
    }

    /// Starts the next chunk when none is in flight. A request that cannot be served (a bad
    /// condition, a table that went away) is logged and dropped: it must not stop streaming.
    func step() throws {
        do {
            try readChunk()
        } catch let error as PostgresError where error.kind == .query && jobs.first?.resync != true {
            // A resync is not abandoned: the error stops capture, and the restart resumes it.
            let job = jobs.removeFirst()
            chunk = nil
            _ = try? connection.execute("ROLLBACK")
            logger.error("incremental snapshot abandoned", metadata: [LogKeys.table: "\(job.table)", LogKeys.error: "\(error)"])
        }
    }

    /// Low watermark, read the chunk (read-only), high watermark.
    private func readChunk() throws {
        guard chunk == nil, var job = jobs.first else { return }
        if job.resync && job.census == nil {
            // Started between transactions, with everything published so far in Kafka; from here
            // on the stream touches keys (kept aside until the census is read), later the chunks.
            guard let takeCensus else { return }
            guard let reading = job.censusRead else {
                jobs[0].censusRead = try takeCensus(job.table)
                return
            }
            guard let outcome = reading.result else { return }   // still reading; streaming goes on
            var census = try outcome.get()
            let live = census.live.count
            for key in job.touchedEarly { census.touch(key) }
            job.census = census
            job.censusRead = nil
            job.touchedEarly = []
            logger.notice("resync: read the table's topic", metadata: [LogKeys.table: "\(job.table)", "live_keys": "\(live)"])
            jobs[0] = job
        }
        chunkNumber += 1
        let marker = "\(job.id):\(chunkNumber)"
        try connection.execute("SELECT pg_logical_emit_message(true, $1, $2)", [Self.watermarkPrefix, "low:\(marker)"])
        let reader = SnapshotReader(connection: connection, publisher: nil, builder: builder, topics: topics,
                                    primaryKeys: primaryKeys, metrics: nil, logger: logger)
        let table = try reader.describe(job.table)
        let key = table.relation.columns[table.keyColumns[0]].name
        let columns = table.relation.columns.map { connection.quoteIdentifier($0.name) }.joined(separator: ", ")
        var conditions: [String] = []
        if let whereClause = job.whereClause {
            guard !whereClause.contains(";") else {
                jobs.removeFirst()
                logger.error("incremental snapshot refused: the condition holds a ';'", metadata: [LogKeys.table: "\(job.table)"])
                return
            }
            conditions.append("(\(whereClause))")
        }
        if let last = job.lastKey { conditions.append("\(connection.quoteIdentifier(key)) > \(connection.quoteLiteral(last))") }
        let sql = "SELECT \(columns) FROM \(reader.quote(job.table))"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY \(connection.quoteIdentifier(key)) LIMIT \(job.chunkSize)"
        // Read-only and a single statement: the condition comes from whoever sent the request.
        try connection.execute("BEGIN READ ONLY")
        let result = try connection.executeOne(sql)
        try connection.execute("COMMIT")
        var rows: [String: TupleData] = [:]
        var order: [String] = []
        for row in result.rows {
            let tuple = TupleData(values: row.map { $0.map(TupleValue.text) ?? .null })
            let id = row[table.keyColumns[0]] ?? ""
            rows[id] = tuple
            order.append(id)
            job.census?.touch(id)
        }
        try connection.execute("SELECT pg_logical_emit_message(true, $1, $2)", [Self.watermarkPrefix, "high:\(marker)"])
        let last = order.count < job.chunkSize
        chunk = Chunk(number: chunkNumber, table: table, rows: rows, order: order, census: last ? job.census : nil)
        job.lastKey = order.last
        job.done += order.count
        // Chunks are read by key with no count up front: the page shows rows read, no estimate.
        metrics?.snapshotProgress(SnapshotProgress(table: job.table, rows: job.done, estimatedRows: 0,
                                                   finished: order.count < job.chunkSize, started: job.started, request: job.id))
        if last {
            jobs.removeFirst()
            logger.notice(job.resync ? "resync: table re-read" : "incremental snapshot read",
                          metadata: [LogKeys.table: "\(job.table)", LogKeys.rows: "\(job.done)"])
        } else {
            jobs[0] = job
        }
    }

    /// Whether `observe` needs changes' keys now: a chunk is open or a table is queued.
    var watchesKeys: Bool { chunk != nil || !jobs.isEmpty }

    /// A change to a row of the chunk inside the window supersedes the chunk's copy.
    /// During a resync, every change of the table touches its key in the census.
    func observe(table: CapturedTable, key: String?) {
        guard let key else { return }
        if chunk?.census != nil, chunk?.table.qualifiedName == table.qualifiedName { chunk?.census?.touch(key) }
        if jobs.first?.table == table.qualifiedName {
            if jobs[0].census != nil { jobs[0].census?.touch(key) } else if jobs[0].censusRead != nil { jobs[0].touchedEarly.insert(key) }
        }
        guard chunk?.inWindow == true, chunk?.table.qualifiedName == table.qualifiedName else { return }
        if chunk?.rows.removeValue(forKey: key) != nil { chunk?.order.removeAll { $0 == key } }
    }

    /// A watermark read from the stream. At the high one, returns the rows to publish.
    func watermark(_ content: [UInt8]) -> Publication? {
        let text = String(decoding: content, as: UTF8.self)
        guard let current = chunk else { return nil }
        let marker = text.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
        guard marker.hasSuffix(":\(current.number)") else { return nil } // a watermark of an earlier run
        if text.hasPrefix("low:") {
            chunk?.inWindow = true
            return nil
        }
        guard text.hasPrefix("high:"), current.inWindow else { return nil }
        chunk = nil
        // Keys live in Kafka that neither a chunk nor the stream showed since the census: the
        // source does not have them. Deleted here, at the high watermark, so that a row inserted
        // again later comes after its delete.
        let keyType = current.table.relation.columns[current.table.keyColumns[0]].typeOID
        var deletes = (current.census?.gone ?? []).filter { KeyCensus.fits($0, typeOID: keyType) }
        if current.census != nil && !KeyCensus.comparable(typeOID: keyType) {
            logger.warning("resync: the table's key type is written differently in Kafka than PostgreSQL prints it, so rows the source lost are not deleted; helio verify lists them",
                           metadata: [LogKeys.table: "\(current.table.qualifiedName)", "type_oid": "\(keyType)"])
            deletes = []
        } else if current.census != nil {
            logger.notice("resync: rows the source no longer has published as deletes",
                          metadata: [LogKeys.table: "\(current.table.qualifiedName)", LogKeys.rows: "\(deletes.count)"])
        }
        return Publication(table: current.table, rows: current.order.compactMap { current.rows[$0] }, deletes: deletes)
    }

    var isIdle: Bool { chunk == nil && jobs.isEmpty }
}
