import Foundation
import HelioApply
import HelioKafka
import HelioOps
import HelioTestSupport
import Testing

/// Each applier of a consumer group shows in the warehouse (`dw.apply_member`) with its
/// assignment, as `helio status` lists them: one member with every partition, then two that
/// split them after a rebalance, then one again after the second stops cleanly.
@Suite("Apply members", .serialized)
struct ApplyMemberTests {
    @Test("members and their partitions follow the group's rebalances")
    func membersFollowRebalances() throws {
        let env = try TestEnvironment("applymembers")
        defer { env.drop() }
        var (pipeline, config, workload) = try env.seededPipeline(seed: 41)
        defer { try? pipeline.finish() }
        #expect(try env.waitForWarehouse().isEmpty)
        let store = OffsetStore(connection: try env.warehouse(), group: config.groupID)
        var all: Set<TopicPartition> = []
        try eventually("one member holding every partition", within: 60) {
            let members = try store.members()
            all = Set(members.first?.partitions ?? [])
            return members.count == 1 && all.count >= 4
        }

        let second = RunningPipeline(env, config: config, withCapture: false)
        try eventually("two members splitting the partitions", within: 120) {
            let members = try store.members()
            guard members.count == 2 else { return false }
            let (a, b) = (Set(members[0].partitions), Set(members[1].partitions))
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
        }
        try second.finish()
        try eventually("the second member gone, the first holding every partition again", within: 120) {
            let members = try store.members()
            return members.count == 1 && Set(members[0].partitions) == all
        }
        try workload.run(try env.source(), transactions: 10)
        #expect(try env.waitForWarehouse().isEmpty)
    }
}
