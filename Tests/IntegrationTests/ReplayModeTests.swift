import Foundation
import HelioApply
import HelioKafka
import HelioOps
import HelioTestSupport
import Testing

/// `helio replay`, run as an operator runs it (the built binary), in each of
/// its modes, against topics of the test's own on the local broker. What it must leave is the
/// applier's stored positions: one row per partition in `dw.consumer_offsets`, with the
/// offset guard's check cleared.
@Suite("helio replay, mode by mode", .serialized)
struct ReplayModeTests {
    /// Two partitions of the users topic and the transaction topic: partition 0 of users and
    /// the transaction topic get records before and after a whole second `cut`, partition 1
    /// of users only before it.
    final class Topics {
        let env: TestEnvironment
        let config: HelioConfiguration
        let cut: Date
        var users: String { env.topic("users") }

        init(_ label: String) throws {
            env = try TestEnvironment(label)
            config = env.userConfiguration()
            try WarehouseSchema.live.migrate(env.warehouseAsWriter(), logger: env.logger)
            let producer = try KafkaProducer(properties: ["bootstrap.servers": env.stack.brokers], logger: env.logger)
            try producer.createTopics([env.topic("users")], partitions: 2, replicationFactor: 1)
            try producer.createTopics([env.transactionTopic], partitions: 1, replicationFactor: 1)
            var id: UInt64 = 0
            func send(_ topic: String, _ partition: Int32, _ count: Int) throws {
                for _ in 0..<count {
                    id += 1
                    try producer.send(OutgoingRecord(topic: topic, key: Array("\(id)".utf8), value: Array("{}".utf8), partition: partition), id: id)
                }
                #expect(producer.flush(timeoutMilliseconds: 10_000))
            }
            try send(env.topic("users"), 0, 2)
            try send(env.topic("users"), 1, 1)
            try send(env.transactionTopic, 0, 1)
            // --from-timestamp takes whole seconds: the cut is the next one, and the later
            // records are produced after it.
            cut = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 1).rounded(.down))
            usleep(UInt32(max(0, cut.timeIntervalSinceNow + 0.05) * 1_000_000))
            try send(env.topic("users"), 0, 3)
            try send(env.transactionTopic, 0, 1)
        }

        /// `dw.consumer_offsets` of the test's group: `topic[partition]` → next offset.
        func stored() throws -> [String: Int64] {
            let rows = try env.warehouse().execute(
                "SELECT topic, kpartition, next_offset FROM dw.consumer_offsets WHERE group_id = $1", [config.groupID]).rows
            return Dictionary(uniqueKeysWithValues: rows.map { ("\($0[0]!)[\($0[1]!)]", Int64($0[2]!)!) })
        }

        /// A row per partition as the offset guard leaves them: position and check set.
        func storeApplied(_ offsets: [String: Int64]) throws {
            for (name, offset) in offsets {
                let topic = String(name.prefix { $0 != "[" })
                let partition = name.dropFirst(topic.count + 1).dropLast()
                try env.warehouse().execute("""
                    INSERT INTO dw.consumer_offsets (group_id, topic, kpartition, next_offset, check_offset, check_position)
                    VALUES ($1, $2, $3, $4, $5, 'x')
                    """, [config.groupID, topic, String(partition), String(offset), String(offset - 1)])
            }
        }

        func uncheckedRows() throws -> Int {
            Int(try env.warehouse().execute(
                "SELECT count(*) FROM dw.consumer_offsets WHERE group_id = $1 AND check_offset IS NULL AND check_position IS NULL",
                [config.groupID]).scalar ?? "0")!
        }

        func replay(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try HelioProcess.run(["replay"] + arguments, config: config)
        }
    }

    @Test("--from-beginning sets every partition of the configured topics and the transaction topic to 0 and clears the guard's check")
    func fromBeginning() throws {
        let topics = try Topics("replaybegin")
        defer { topics.env.drop() }
        try topics.storeApplied(["\(topics.users)[0]": 5, "\(topics.users)[1]": 1, "\(topics.env.transactionTopic)[0]": 2])
        let result = try topics.replay(["--from-beginning"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("replay: 3 partitions of group \(topics.config.groupID) rewound"), "\(result.output)")
        #expect(try topics.stored() == ["\(topics.users)[0]": 0, "\(topics.users)[1]": 0, "\(topics.env.transactionTopic)[0]": 0])
        #expect(try topics.uncheckedRows() == 3)
    }

    @Test("--from-timestamp starts each partition at its first record at or after the time; one with none keeps its position; none moves forward")
    func fromTimestamp() throws {
        let topics = try Topics("replaytime")
        defer { topics.env.drop() }
        try topics.storeApplied(["\(topics.users)[0]": 5, "\(topics.users)[1]": 1, "\(topics.env.transactionTopic)[0]": 2])
        let time = ISO8601DateFormatter().string(from: topics.cut)
        let result = try topics.replay(["--from-timestamp", time])
        #expect(result.status == 0, "\(result.output)")
        // users[1] holds only records from before the time: nothing of it is replayed, and it
        // keeps its position and its check (the local broker answers offset 0 for it, not
        // Kafka's "none": a full replay of it would be wrong).
        let stored = try topics.stored()
        #expect(stored == ["\(topics.users)[0]": 2, "\(topics.users)[1]": 1, "\(topics.env.transactionTopic)[0]": 1], "\(stored)")
        #expect(try topics.uncheckedRows() == 2, "users[1] was not touched")
        #expect(result.output.contains("replay: 2 partitions of group \(topics.config.groupID) rewound"), "\(result.output)")
        // The search by time is the slow part: its progress, as a log line off a terminal.
        #expect(result.output.contains("replay (first record at or after \(time)) done: "), "\(result.output)")
        #expect(result.output.contains("1 partitions hold no record at or after \(time): left where apply stands, nothing to replay there (\(topics.users)[1])"),
                "\(result.output)")

        let before = try topics.replay(["--from-timestamp", ISO8601DateFormatter().string(from: topics.cut.addingTimeInterval(-3600))])
        #expect(before.status == 0, "\(before.output)")
        #expect(try topics.stored().values.allSatisfy { $0 == 0 }, "a time before every record replays everything")

        // Apply now stands before the time's records: replaying from the time must not skip them.
        let again = try topics.replay(["--from-timestamp", time])
        #expect(again.status == 0, "\(again.output)")
        let after = try topics.stored()
        #expect(after.values.allSatisfy { $0 == 0 }, "no partition moved forward: \(after)")

        let bad = try topics.replay(["--from-timestamp", "yesterday"])
        #expect(bad.status == HelioExit.configuration, "\(bad.output)")
        #expect(bad.output.contains("'yesterday' is not ISO-8601 (2026-11-01T00:00:00Z)"), "\(bad.output)")
    }

    @Test("--from-offsets changes only the partitions in the file; a malformed line names its place")
    func fromOffsets() throws {
        let topics = try Topics("replayoffsets")
        defer { topics.env.drop() }
        try topics.storeApplied(["\(topics.users)[0]": 5, "\(topics.users)[1]": 1, "\(topics.env.transactionTopic)[0]": 2])
        let file = NSTemporaryDirectory() + "helio-replay-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# topic partition offset\n\n\(topics.users) 0 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        // No broker needed for this mode.
        var config = topics.config
        config.kafkaBrokers = nil
        let result = try HelioProcess.run(["replay", "--from-offsets", file], config: config, environment: ["HELIO_KAFKA_BROKERS": ""])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("replay: 1 partitions"), "\(result.output)")
        #expect(try topics.stored() == ["\(topics.users)[0]": 3, "\(topics.users)[1]": 1, "\(topics.env.transactionTopic)[0]": 2])
        #expect(try topics.uncheckedRows() == 1, "only the rewound row's check is cleared")

        try "\(topics.users) 0 3\n\(topics.users) zero 3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try HelioProcess.run(["replay", "--from-offsets", file], config: config, environment: ["HELIO_KAFKA_BROKERS": ""])
        #expect(bad.status == HelioExit.configuration, "\(bad.output)")
        #expect(bad.output.contains("\(file):2: expected `topic partition offset`"), "\(bad.output)")
    }

    @Test("exactly one mode: none or two is a usage error (exit 64)")
    func exactlyOneMode() throws {
        let topics = try Topics("replayusage")
        defer { topics.env.drop() }
        for arguments in [[], ["--from-beginning", "--from-timestamp", "2026-11-01T00:00:00Z"]] {
            let result = try topics.replay(arguments)
            #expect(result.status == HelioExit.configuration, "\(arguments): \(result.output)")
            #expect(result.output.contains("give exactly one of --from-beginning, --from-timestamp, --from-offsets"), "\(result.output)")
        }
        #expect(try topics.stored().isEmpty, "nothing stored")
    }
}
