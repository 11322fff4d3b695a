import HelioKafka

/// How far a consumer group is behind, per partition, per topic and per member: a partition's
/// lag is its high watermark minus the group's stored next offset (`OffsetStore.lag`), a
/// member's the sum over the partitions it holds. What `helio status` prints, computed here so
/// the command only prints; the scaling section of docs/operations.md reads it.
public struct GroupLag: Sendable {
    /// One topic: its partition count, log end (sum of high watermarks) and lag.
    public struct Topic: Sendable, Equatable {
        public var partitions: Int
        public var end: Int64
        public var lag: Int64
    }

    /// The topics found on the broker, by name (a topic asked for but missing is absent).
    public var topics: [String: Topic] = [:]
    /// Records not yet applied, per partition of those topics.
    public var partitions: [TopicPartition: Int64] = [:]

    public var total: Int64 { topics.values.reduce(0) { $0 + $1.lag } }

    /// The lag of the partitions `member` holds (as it last registered them).
    public func lag(of member: OffsetStore.Member) -> Int64 {
        member.partitions.reduce(0) { $0 + (partitions[$1] ?? 0) }
    }

    /// `topics` as the broker describes them (`partitionCounts`, from its metadata), against the
    /// group's stored positions. `watermarks` answers a partition's (low, high), nil when the
    /// broker did not (counted as an empty partition, as before).
    public static func measure(topics names: [String], partitionCounts: [String: Int], positions: [TopicPartition: Int64],
                               watermarks: (TopicPartition) -> (low: Int64, high: Int64)?) -> GroupLag {
        var result = GroupLag()
        for name in names {
            guard let count = partitionCounts[name] else { continue }
            var topic = Topic(partitions: count, end: 0, lag: 0)
            for partition in 0..<Int32(count) {
                let key = TopicPartition(topic: name, partition: partition)
                let (low, high) = watermarks(key) ?? (0, 0)
                let lag = OffsetStore.lag(next: positions[key], low: low, high: high)
                topic.end += high
                topic.lag += lag
                result.partitions[key] = lag
            }
            result.topics[name] = topic
        }
        return result
    }
}

extension GroupLag {
    /// Reads it now: the topics' partition counts and high watermarks from the broker
    /// (`admin`), the group's stored positions from the warehouse.
    public static func read(topics: [String], admin: KafkaProducer, warehouse: WarehouseStatusReader) throws -> GroupLag {
        let counts = try admin.topics()
        return measure(topics: topics, partitionCounts: counts, positions: try warehouse.positions()) { try? admin.watermarks($0) }
    }

    /// A member's partitions in a line: partition numbers, then the topics that hold them,
    /// topics with the same numbers together (`0,1 of solar.public.energy, solar.public.users;
    /// 0 of solar.transaction`).
    public static func describe(_ partitions: [TopicPartition]) -> String {
        guard !partitions.isEmpty else { return "no partitions" }
        let numbers = Dictionary(grouping: partitions, by: \.topic).mapValues { $0.map(\.partition).sorted() }
        return Dictionary(grouping: numbers.keys.sorted()) { numbers[$0]! }
            .sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key.lexicographicallyPrecedes($1.key) }
            .map { "\($0.key.map(String.init).joined(separator: ",")) of \($0.value.joined(separator: ", "))" }
            .joined(separator: "; ")
    }
}
