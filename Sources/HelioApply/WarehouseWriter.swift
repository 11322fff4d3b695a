import HelioKafka
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

    /// Where each partition resumes: the offset after the last one applied, or the
    /// beginning of the log for a partition never applied.
    func storedOffsets(_ partitions: [TopicPartition]) throws -> [TopicPartition: StoredOffset] {
        let rows = try connection.execute(
            "SELECT topic, kpartition, next_offset, check_offset, check_position FROM \(schema.qualified("consumer_offsets")) WHERE group_id = $1", [groupID]).rows
        var stored: [TopicPartition: StoredOffset] = [:]
        for row in rows {
            guard let topic = row[0], let partition = row[1].flatMap({ Int32($0) }), let offset = row[2].flatMap({ Int64($0) }) else { continue }
            stored[TopicPartition(topic: topic, partition: partition)] = StoredOffset(
                next: offset, checkOffset: row[3].flatMap { Int64($0) }, checkPosition: row[4])
        }
        return stored.filter { partitions.contains($0.key) }
    }

    /// Applies the batch; returns the statistics `dw.apply_staged` reports.
    @discardableResult
    /// `changeRows` and `transactionRows` are COPY text rows (`StagedChange.copyRow`,
    /// `StagedTransaction.copyRow`), `factRows` binary COPY tuples (`StagedFact.copyRow`), all
    /// rendered on the consumer thread.
    func apply(changeRows: [UInt8], factRows: [UInt8] = [], transactionRows: [UInt8], offsets: [TopicPartition: Int64],
               checks: [TopicPartition: (offset: Int64, position: String)] = [:]) throws -> String {
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
            let stats = try connection.execute("SELECT \(schema.qualified("apply_batch"))($1::jsonb)::text", [applyConfig]).scalar ?? "{}"
            if !offsets.isEmpty {
                let sorted = offsets.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
                try connection.execute("""
                    INSERT INTO \(schema.qualified("consumer_offsets")) (group_id, topic, kpartition, next_offset, updated_at)
                    SELECT $1, t, p, o, now() FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
                    ON CONFLICT (group_id, topic, kpartition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
                    """, [groupID, "{" + sorted.map { "\"\($0.key.topic)\"" }.joined(separator: ",") + "}",
                          "{" + sorted.map { String($0.key.partition) }.joined(separator: ",") + "}",
                          "{" + sorted.map { String($0.value) }.joined(separator: ",") + "}"])
                for (partition, check) in checks {
                    try connection.execute("""
                        UPDATE \(schema.qualified("consumer_offsets")) SET check_offset = $4, check_position = $5
                        WHERE group_id = $1 AND topic = $2 AND kpartition = $3
                        """, [groupID, partition.topic, String(partition.partition), String(check.offset), check.position])
                }
            }
            try connection.execute("COMMIT")
            return stats
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
