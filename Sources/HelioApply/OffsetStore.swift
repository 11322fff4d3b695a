import HelioKafka
import HelioPostgres

/// The one owner of apply's stored consumer positions (`dw.consumer_offsets`): where each
/// partition resumes, written in the same warehouse transaction as the batch they follow
/// (exactly once in effect), rewound by `helio replay`, handed over by a rebuild's swap, and
/// read by `status`, the stalled-pipeline probe and the demo's broker-loss check. Lag is
/// computed here too, one way for all of them.
public struct OffsetStore {
    let connection: PostgresConnection
    let schema: WarehouseSchema
    public let group: String

    public init(connection: PostgresConnection, group: String, schema: WarehouseSchema = .live) {
        self.connection = connection
        self.group = group
        self.schema = schema
    }

    /// The store of the live warehouse at `url`, on its own connection (`helio replay`).
    public init(url: String, group: String, applicationName: String) throws {
        self.init(connection: try PostgresConnection(ConnectionOptions(url: url, applicationName: applicationName)), group: group)
    }

    var table: String { schema.qualified("consumer_offsets") }

    /// The positions stored in the warehouse at `url` (one short connection), or nil before
    /// apply's first start there.
    public static func positions(url: String, group: String, applicationName: String) throws -> [TopicPartition: Int64]? {
        let store = try OffsetStore(url: url, group: group, applicationName: applicationName)
        return try store.exists() ? try store.positions() : nil
    }

    /// Whether the warehouse has the table at all (before apply's first start it does not).
    public func exists() throws -> Bool {
        try connection.execute("SELECT to_regclass($1)::text", [table]).scalar != nil
    }

    /// Where each partition resumes (the offset after the last record applied).
    public func positions() throws -> [TopicPartition: Int64] {
        try stored().mapValues(\.next)
    }

    /// With the last applied record's offset and position, for the offset guard.
    func stored() throws -> [TopicPartition: StoredOffset] {
        var stored: [TopicPartition: StoredOffset] = [:]
        for row in try connection.execute(
            "SELECT topic, kpartition, next_offset, check_offset, check_position FROM \(table) WHERE group_id = $1", [group]).rows {
            guard let topic = row[0], let partition = row[1].flatMap({ Int32($0) }), let offset = row[2].flatMap({ Int64($0) }) else { continue }
            stored[TopicPartition(topic: topic, partition: partition)] = StoredOffset(
                next: offset, checkOffset: row[3].flatMap { Int64($0) }, checkPosition: row[4])
        }
        return stored
    }

    /// Records a batch's offsets (and the last positioned record of each partition), inside
    /// the caller's transaction: the batch and its offsets commit together or not at all.
    func store(_ offsets: [TopicPartition: Int64], checks: [TopicPartition: (offset: Int64, position: String)]) throws {
        guard !offsets.isEmpty else { return }
        let sorted = offsets.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
        try connection.execute("""
            INSERT INTO \(table) (group_id, topic, kpartition, next_offset, updated_at)
            SELECT $1, t, p, o, now() FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
            ON CONFLICT (group_id, topic, kpartition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
            """, [group, "{" + sorted.map { "\"\($0.key.topic)\"" }.joined(separator: ",") + "}",
                  "{" + sorted.map { String($0.key.partition) }.joined(separator: ",") + "}",
                  "{" + sorted.map { String($0.value) }.joined(separator: ",") + "}"])
        for (partition, check) in checks {
            try connection.execute("""
                UPDATE \(table) SET check_offset = $4, check_position = $5 WHERE group_id = $1 AND topic = $2 AND kpartition = $3
                """, [group, partition.topic, String(partition.partition), String(check.offset), check.position])
        }
    }

    /// `helio replay`: the next start of apply resumes each partition at these offsets (the
    /// offset guard's record is forgotten: the log there is not the one it checked).
    public func rewind(to targets: [TopicPartition: Int64]) throws {
        try connection.execute("BEGIN")
        do {
            for (partition, offset) in targets.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
                try connection.execute("""
                    INSERT INTO \(table) (group_id, topic, kpartition, next_offset) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (group_id, topic, kpartition) DO UPDATE
                    SET next_offset = excluded.next_offset, check_offset = NULL, check_position = NULL, updated_at = now()
                    """, [group, partition.topic, String(partition.partition), String(offset)])
            }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// A rebuild's swap (inside its transaction): the rebuilt warehouse's positions, stored
    /// under `fromGroup`, become this group's.
    func takeOver(fromGroup: String) throws {
        try connection.execute("DELETE FROM \(table) WHERE group_id = $1", [group])
        try connection.execute("UPDATE \(table) SET group_id = $1 WHERE group_id = $2", [group, fromGroup])
    }

    /// One apply process of the group, as `helio status` shows it.
    public struct Member: Sendable, Encodable {
        public let member: String
        public let host: String
        public let pid: Int
        public let partitions: [TopicPartition]
        public let secondsSinceSeen: Int

        enum CodingKeys: String, CodingKey { case member, host, pid, partitions, secondsSinceSeen = "seen_seconds_ago" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(member, forKey: .member)
            try container.encode(host, forKey: .host)
            try container.encode(pid, forKey: .pid)
            try container.encode(partitions.map(\.description), forKey: .partitions)
            try container.encode(secondsSinceSeen, forKey: .secondsSinceSeen)
        }
    }

    /// This process's assignment (after each rebalance) and a sign of life (every few seconds).
    func register(member: String, host: String, pid: Int32, partitions: Set<TopicPartition>) throws {
        let names = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }.map(\.description)
        try connection.execute("""
            INSERT INTO \(schema.qualified("apply_member")) (group_id, member, host, pid, partitions)
            VALUES ($1, $2, $3, $4, $5::text[])
            ON CONFLICT (group_id, member) DO UPDATE SET partitions = excluded.partitions, seen_at = now()
            """, [group, member, host, String(pid), "{" + names.map { "\"\($0)\"" }.joined(separator: ",") + "}"])
        // (members gone for a day are forgotten: a process that died never left)
        try connection.execute("DELETE FROM \(schema.qualified("apply_member")) WHERE group_id = $1 AND seen_at < now() - interval '1 day'", [group])
    }

    /// A process that stops cleanly leaves; one that dies is no longer seen.
    func leave(member: String) throws {
        try connection.execute("DELETE FROM \(schema.qualified("apply_member")) WHERE group_id = $1 AND member = $2", [group, member])
    }

    /// The members seen in the last `seconds` seconds, oldest first (read-only: `status` may
    /// run as a role that only reads).
    public func members(seenWithin seconds: Int = 60) throws -> [Member] {
        guard try connection.execute("SELECT to_regclass($1)::text", [schema.qualified("apply_member")]).scalar != nil else { return [] }
        return try connection.execute("""
            SELECT member, coalesce(host, ''), coalesce(pid, 0)::text, array_to_string(partitions, ' '),
                   extract(epoch FROM now() - seen_at)::int::text
              FROM \(schema.qualified("apply_member"))
             WHERE group_id = $1 AND seen_at >= now() - make_interval(secs => $2::int)
             ORDER BY started_at, member
            """, [group, String(seconds)]).rows.map { row in
            Member(member: row[0] ?? "", host: row[1] ?? "", pid: Int(row[2] ?? "") ?? 0,
                   partitions: (row[3] ?? "").split(separator: " ").compactMap { TopicPartition(String($0)) },
                   secondsSinceSeen: Int(row[4] ?? "") ?? 0)
        }
    }

    /// Records of a partition not yet applied: those after the stored position (or, for a
    /// partition never applied, after the log's start) up to its high watermark.
    public static func lag(next: Int64?, low: Int64, high: Int64) -> Int64 {
        max(0, high - max(next ?? low, low))
    }
}
