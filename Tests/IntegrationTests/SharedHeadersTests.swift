import HelioKafka
import HelioTestSupport
import Logging
import Testing

/// A record's shared headers (Debezium's context headers, `SharedHeaders`) reach the broker
/// as its own headers would, also when the producer reuses a header list that an earlier
/// record's delivery handed back, and after a record's own headers when it has both.
@Suite("Shared record headers")
struct SharedHeadersTests {
    @Test("every record carries the shared set, in order, whether its header list is new or reused")
    func sharedHeadersSurviveReuse() throws {
        let stack = try LocalStack.fromEnvironment()
        let topic = "helio-test-shared-headers-\(UInt32.random(in: 0 ... .max))"
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: stack.brokers), logger: Logger(label: "test"))
        try producer.createTopics([topic], partitions: 1, replicationFactor: 1)
        let context = SharedHeaders([("__debezium.context.taskId", Array(#"{"payload":"0"}"#.utf8)), ("b", Array("2".utf8)), ("c", Array("third".utf8))])
        let other = SharedHeaders([("other", Array("x".utf8))])
        var id: UInt64 = 0
        // Three rounds, each delivered before the next: rounds two and three reuse round one's lists.
        for round in 0..<3 {
            for index in 0..<200 {
                id += 1
                let shared = index % 10 == 9 ? other : context
                try producer.send(OutgoingRecord(topic: topic, key: Array("\(round)-\(index)".utf8), value: [UInt8(index % 256)], shared: shared), id: id)
            }
            #expect(producer.flush(timeoutMilliseconds: 30_000))
            let reports = producer.poll(timeoutMilliseconds: 0)
            #expect(reports.allSatisfy { $0.error == nil && $0.id <= id })
        }
        id += 1
        try producer.send(OutgoingRecord(topic: topic, key: Array("own".utf8), value: nil, headers: [("__debezium.newkey", Array("k".utf8))],
                                         shared: context), id: id)
        #expect(producer.flush(timeoutMilliseconds: 30_000))

        let records = try TopicReader(brokers: stack.brokers).read([topic], minimum: 601)
        #expect(records.count == 601)
        for record in records {
            let key = String(decoding: record.key ?? [], as: UTF8.self)
            let names = record.headers.map(\.name)
            if key == "own" {
                #expect(names == ["__debezium.newkey", "__debezium.context.taskId", "b", "c"])
            } else if key.hasSuffix("9") {
                #expect(names == ["other"], "\(key)")
                #expect(record.headers.first?.value == Array("x".utf8))
            } else {
                #expect(names == ["__debezium.context.taskId", "b", "c"], "\(key)")
                #expect(record.headers.map(\.value) == [Array(#"{"payload":"0"}"#.utf8), Array("2".utf8), Array("third".utf8)], "\(key)")
            }
        }
    }
}
