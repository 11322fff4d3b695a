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

    /// Issue #16 item 4: `helio status` shows each member with the lag of the partitions it
    /// holds. Two appliers split the partitions, apply the seed (their offsets in Kafka then
    /// equal the warehouse's, which is what KEDA's lag is built from) and die (kill -9: they stay listed for a minute
    /// with what they held); changes published after that are their lag, which the command
    /// must give each of them as the sum over its partitions of the log end minus the stored
    /// position, read here independently from the broker and `dw.consumer_offsets`.
    @Test("helio status gives each member the lag of the partitions it holds")
    func statusShowsMemberLag() throws {
        let env = try TestEnvironment("memberlag")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 43)
        try workload.seed(try env.source())
        let config = env.userConfiguration()
        let capture = RunningCapture(env, config: config)
        var captureRunning = true
        defer { if captureRunning { try? capture.finish() } }
        try env.waitForSlot()
        let appliers = try (1...2).map { try HelioProcess(["apply"], config: config, logPath: env.spoolDirectory + "-apply\($0).log") }
        defer { for applier in appliers where applier.isRunning { applier.kill9() } }
        let store = OffsetStore(connection: try env.warehouse(), group: config.groupID)
        try eventually("two members splitting the partitions", within: 40) {
            let members = try store.members()
            guard members.count == 2 else { return false }
            let (a, b) = (Set(members[0].partitions), Set(members[1].partitions))
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b)
        }
        #expect(try env.waitForWarehouse().isEmpty, "the seed applied: every partition has a stored position to count from")
        // What KEDA's Kafka scaler reads (deploy/kubernetes/apply.yaml): the offsets the group
        // commits to Kafka after each batch, which are the warehouse's.
        let group = try KafkaConsumer(properties: ["bootstrap.servers": env.stack.brokers, "group.id": config.groupID], logger: env.logger)
        try eventually("the group's offsets in Kafka to be the warehouse's", within: 15) {
            let stored = try store.positions()
            let committed = try group.committed(Array(stored.keys))
            return !stored.isEmpty && committed == stored
        }
        for applier in appliers { applier.kill9() }

        let source = try env.source()
        try workload.run(source, transactions: 20)
        let written = try #require(try source.execute("SELECT pg_current_wal_lsn()::text").scalar)
        // The slot confirms only what Kafka acknowledged.
        try eventually("capture to publish the 20 transactions", within: 40) {
            try source.execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                               [written, env.name]).scalar == "t"
        }
        captureRunning = false
        try capture.finish()

        // What each member holds, as the report lists it, and the lag of that by hand.
        let admin = try KafkaProducer(properties: ["bootstrap.servers": env.stack.brokers], logger: env.logger)
        var report: [String: Any] = [:]
        var expected: [String: Int64] = [:]
        try eventually("helio status to agree with the broker's ends and the stored positions", within: 20) {
            let status = try HelioProcess.run(["status", "--json"], config: config)
            let line = status.output.split(separator: "\n").first { $0.hasPrefix("{") } ?? ""
            report = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            let positions = try store.positions()
            expected = [:]
            for member in report["members"] as? [[String: Any]] ?? [] {
                let partitions = (member["partitions"] as? [String] ?? []).compactMap { TopicPartition($0) }
                expected[member["member"] as? String ?? ""] = try partitions.reduce(0) { total, partition in
                    let (low, high) = try admin.watermarks(partition)
                    return total + max(0, high - max(positions[partition] ?? low, low))
                }
            }
            let members = report["members"] as? [[String: Any]] ?? []
            return members.count == 2 && members.allSatisfy { expected[$0["member"] as? String ?? ""] == ($0["lag"] as? NSNumber)?.int64Value }
        }
        let members = report["members"] as? [[String: Any]] ?? []
        #expect(members.count == 2, "\(report)")
        let memberLag = members.compactMap { ($0["lag"] as? NSNumber)?.int64Value }
        let topicLag = (report["topics"] as? [[String: Any]] ?? []).compactMap { ($0["lag"] as? NSNumber)?.int64Value }
        #expect(memberLag.reduce(0, +) > 0, "the changes after the kill are unapplied: \(report)")
        #expect(memberLag.reduce(0, +) == topicLag.reduce(0, +), "the members hold every partition, once: \(report)")
        for member in members {
            let name = member["member"] as? String ?? ""
            #expect((member["lag"] as? NSNumber)?.int64Value == expected[name], "\(name): \(member), expected \(String(describing: expected[name]))")
        }

        // The text form: each member with its lag, then the topics and partition numbers it holds.
        let text = try HelioProcess.run(["status"], config: config).output.split(separator: "\n").map(String.init)
        for member in members {
            let name = member["member"] as? String ?? ""
            let partitions = (member["partitions"] as? [String] ?? []).compactMap { TopicPartition($0) }
            let lag = (member["lag"] as? NSNumber)?.int64Value ?? -1
            let line = text.firstIndex { $0.hasPrefix("\(name): \(partitions.count) partitions, lag ≈ \(lag),") }
            #expect(line != nil, "\(name) with lag \(lag): \(text.joined(separator: "\n"))")
            guard let line, line + 1 < text.count else { continue }
            let held = text[line + 1]
            #expect(Set(partitions.map(\.topic)).allSatisfy { held.contains(" \($0)") }, "\(held)")
        }
    }

    /// The same on the status page of a running applier: the group's members with what they
    /// hold and their lag, reloaded every 15 s, each row's figures those `GroupLag` gives.
    @Test("the status page lists the group's members with their partitions and lag")
    func statusPageShowsMembers() throws {
        let env = try TestEnvironment("memberpage")
        defer { env.drop() }
        var (pipeline, config, _) = try env.seededPipeline(seed: 47)
        defer { try? pipeline.finish() }
        #expect(try env.waitForWarehouse().isEmpty)
        let port = try freeLoopbackPort()
        let child = try HelioProcess(["apply"], config: config, logPath: env.spoolDirectory + "-apply.log",
                                     environment: ["HELIO_METRICS_ADDR": "127.0.0.1:\(port)"])
        defer { if child.isRunning { child.terminate() } }
        let store = OffsetStore(connection: try env.warehouse(), group: config.groupID)
        var page = ""
        var members: [OffsetStore.Member] = []
        try eventually("the page to list both members as the warehouse has them, caught up", within: 50) {
            members = try store.members()
            page = httpGet("http://127.0.0.1:\(port)/")?.body ?? ""
            return members.count == 2 && members.allSatisfy { page.contains("<tr data-member=\"\($0.member)\">") }
                && page.components(separatedBy: "data-lag=\"0\">").count == 3
        }
        #expect(page.contains("<table id=\"appliers\"><caption>group \(config.groupID): 2 seen in the last minute, lag ≈ 0"), "\(page)")
        for member in members {
            let row = page.components(separatedBy: "<tr data-member=\"\(member.member)\">").last?.components(separatedBy: "</tr>").first ?? ""
            #expect(row.contains("data-label=\"partitions\">\(member.partitions.count)</td>"), "\(row)")
            #expect(row.contains(GroupLag.describe(member.partitions).replacingOccurrences(of: "&", with: "&amp;")), "\(row)")
        }
        #expect(members.map(\.partitions.count).reduce(0, +) == config.topicNames.count * Int(config.topicPartitions) + 1,
                "every partition of the table topics and the transaction topic, once: \(members)")
    }
}
