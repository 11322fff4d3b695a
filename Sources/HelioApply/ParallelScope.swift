import HelioEvents
import HelioKafka

/// What a batch applied with `apply.parallel` tells the warehouse about its applier: the
/// partition numbers it holds (each taken as a lock, so that a member that lost partitions
/// in a rebalance it has not seen yet waits for their new holder, then sees its work), and
/// each table's partitions whose waiting changes (facts above the watermark, dimension
/// changes waiting for the rest of their transaction) it may release: a key's changes come
/// through one partition, and only its holder applies them, in order. See `dw._take_apply_lock`.
struct ParallelScope: Equatable {
    /// Partition numbers of every topic the applier holds, ascending.
    var lockPartitions: [Int32]
    /// Source table → partitions of its topic held.
    var own: [String: [Int32]]

    init(assignment: Set<TopicPartition>, topics: TopicNames) {
        lockPartitions = Set(assignment.map(\.partition)).sorted()
        var own: [String: [Int32]] = [:]
        for partition in assignment {
            guard let table = topics.parseTable(topic: partition.topic)?.table,
                  RecordDecoder.modelledTables.contains(table) else { continue }
            own[table, default: []].append(partition.partition)
        }
        self.own = own.mapValues { $0.sorted() }
    }

    /// The keys merged into `dw.apply_batch`'s configuration.
    var json: String {
        let own = self.own.keys.sorted().map { "\"\($0)\":[\(self.own[$0]!.map(String.init).joined(separator: ","))]" }
        return "{\"lock_partitions\":[\(lockPartitions.map(String.init).joined(separator: ","))],\"own\":{\(own.joined(separator: ","))}}"
    }

    /// How many changes of the applier's partitions still wait in the warehouse for an END or
    /// for the rest of their transaction (`facts_pending` and `dim_waiting` of the stats).
    static func waiting(stats: String) -> Int {
        guard let parsed = try? JSONValue.parse(stats) else { return 0 }
        return (parsed["facts_pending"]?.intValue ?? 0) + (parsed["dim_waiting"]?.intValue ?? 0)
    }
}
