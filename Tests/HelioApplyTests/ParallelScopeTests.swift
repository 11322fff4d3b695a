@testable import HelioApply
import HelioEvents
import HelioKafka
import Testing

/// What a batch applied with `apply.parallel` tells the warehouse: the partition numbers its
/// applier locks and, per table, the partitions whose waiting changes it may release.
@Suite("ParallelScope: an applier's partitions, as dw._take_apply_lock reads them")
struct ParallelScopeTests {
    let topics = TopicNames(prefix: "solar")

    @Test("partition numbers of every topic are locked once, ascending; own partitions are per modelled table")
    func fromAssignment() {
        let assignment: Set<TopicPartition> = [
            .init(topic: "solar.public.energy", partition: 3), .init(topic: "solar.public.energy", partition: 1),
            .init(topic: "solar.public.devices", partition: 1), .init(topic: "solar.transaction", partition: 0),
            .init(topic: "solar.public.other_table", partition: 7), .init(topic: "elsewhere.public.energy", partition: 5),
        ]
        let scope = ParallelScope(assignment: assignment, topics: topics)
        #expect(scope.lockPartitions == [0, 1, 3, 5, 7])
        #expect(scope.own == ["energy": [1, 3], "devices": [1]])
        #expect(scope.json == #"{"lock_partitions":[0,1,3,5,7],"own":{"devices":[1],"energy":[1,3]}}"#)
        // valid JSON that the warehouse parses as the same object
        let parsed = try? JSONValue.parse(scope.json)
        #expect(parsed?["own"]?["energy"]?.arrayValue?.count == 2)
    }

    @Test("no assignment: nothing locked, nothing released")
    func empty() {
        let scope = ParallelScope(assignment: [], topics: topics)
        #expect(scope.json == #"{"lock_partitions":[],"own":{}}"#)
    }

    @Test("facts_pending and dim_waiting of a batch's statistics say whether an idle applier must look again")
    func waiting() {
        #expect(ParallelScope.waiting(stats: #"{"facts_pending": 12, "dim_waiting": 3, "lock": "shared"}"#) == 15)
        #expect(ParallelScope.waiting(stats: #"{"facts_pending": 0, "dim_waiting": 2}"#) == 2)
        #expect(ParallelScope.waiting(stats: "{}") == 0)
        #expect(ParallelScope.waiting(stats: "not json") == 0)
    }
}
