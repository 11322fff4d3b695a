import HelioKafka
import HelioOps
import HelioPostgres
import Logging

/// Applies one batch per warehouse transaction: COPY into the session's staging tables, the
/// set-based `dw.apply_staged` (through `dw.apply_batch`, which holds a change it cannot apply
/// in quarantine instead of failing the batch), and the consumed offsets, committed together. A crash at any
/// point leaves either the whole batch with its offsets or neither.
final class WarehouseWriter {
    let connection: PostgresConnection
    let groupID: String
    let applyConfig: String
    let logger: Logger
    let schema: WarehouseSchema

    init(url: String, groupID: String, applyConfig: String, schema: WarehouseSchema = .live, logger: Logger) throws {
        // synchronous_commit off: a batch commits without waiting for its WAL to reach disk.
        // Safe for exactly-once because the consumed offsets commit in the same transaction:
        // a warehouse crash that loses the last few hundred milliseconds of commits loses
        // those offsets with them, and apply consumes and applies those batches again.
        // (Waiting for the flush cost about 6% of apply's throughput.)
        connection = try PostgresConnection(ConnectionOptions(
            url: url, applicationName: "helio-apply",
            settings: ["client_min_messages": "warning", "synchronous_commit": "off"]))
        self.groupID = groupID
        self.applyConfig = applyConfig
        self.logger = logger
        self.schema = schema
        try schema.migrate(connection, logger: logger)
        try connection.execute("SELECT \(schema.qualified("create_staging"))()")
    }

    /// Apply's stored positions (this writer's connection: stored in the batch's transaction).
    var offsetStore: OffsetStore { OffsetStore(connection: connection, group: groupID, schema: schema) }

    /// Where each partition resumes: the offset after the last one applied, or the
    /// beginning of the log for a partition never applied.
    func storedOffsets(_ partitions: [TopicPartition]) throws -> [TopicPartition: StoredOffset] {
        try offsetStore.stored().filter { partitions.contains($0.key) }
    }

    /// Applies the batch; returns the statistics `dw.apply_staged` reports.
    @discardableResult
    /// `changeRows` and `transactionRows` are COPY text rows (`StagedChange.copyRow`,
    /// `StagedTransaction.copyRow`), `factRows` binary COPY tuples (`StagedFact.copyRow`), all
    /// rendered on the consumer thread.
    func apply(changeRows: [UInt8], factRows: [UInt8] = [], transactionRows: [UInt8], offsets: [TopicPartition: Int64],
               checks: [TopicPartition: (offset: Int64, position: String)] = [:], scope: ParallelScope? = nil) throws -> String {
        // Appliers sharing the warehouse (apply.parallel) can meet on a row both update (an
        // END's counts, a climate day): PostgreSQL then ends one transaction with a deadlock
        // or serialization failure, and the batch, still in hand, is simply applied again.
        var attempt = 1
        while true {
            do {
                return try applyOnce(changeRows: changeRows, factRows: factRows, transactionRows: transactionRows,
                                     offsets: offsets, checks: checks, scope: scope)
            } catch let error as PostgresError where error.isConcurrencyConflict && attempt < Self.conflictAttempts {
                logger.info("batch met another applier's; applying it again",
                            metadata: ["attempt": "\(attempt)", LogKeys.error: "\(error)"])
                attempt += 1
            }
        }
    }

    /// How often a batch is tried when it keeps meeting other appliers' (then the error stands).
    static let conflictAttempts = 20

    private func applyOnce(changeRows: [UInt8], factRows: [UInt8], transactionRows: [UInt8], offsets: [TopicPartition: Int64],
                           checks: [TopicPartition: (offset: Int64, position: String)], scope: ParallelScope?) throws -> String {
        try connection.execute("BEGIN")
        do {
            if !changeRows.isEmpty {
                var writer = try connection.copyIn(
                    "COPY pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition) FROM STDIN")
                try writer.write(changeRows)
                try writer.finish()
            }
            if !factRows.isEmpty {
                var writer = try connection.copyIn("COPY pg_temp.stage_facts (\(StagedFact.copyColumns)) FROM STDIN (FORMAT binary)")
                try writer.write(StagedFact.copyHeader)
                try writer.write(factRows)
                try writer.write(StagedFact.copyTrailer)
                try writer.finish()
            }
            if !transactionRows.isEmpty {
                var writer = try connection.copyIn("COPY pg_temp.stage_tx (tx_id, commit_lsn, commit_ts, event_count, collections) FROM STDIN")
                try writer.write(transactionRows)
                try writer.finish()
            }
            // (apply_batch: apply_staged, and a change it cannot apply held in quarantine, not the batch failed)
            // (the scope's keys join apply's configuration: jsonb || merges the two objects)
            let stats = try connection.execute("SELECT \(schema.qualified("apply_batch"))($1::jsonb || $2::jsonb)::text",
                                               [applyConfig, scope?.json ?? "{}"]).scalar ?? "{}"
            try offsetStore.store(offsets, checks: checks)
            try connection.execute("COMMIT")
            return stats
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
