import HelioKafka
import HelioTestSupport
import Logging
import Testing

/// A record's shared headers (Debezium's context headers, `SharedHeaders`) reach the broker
/// as its own headers would, though every record of a set carries the same librdkafka header
/// list, and after a record's own headers when it has both. The list outlives every record
/// that carries it: a producer freed with records queued or in flight purges them first.
@Suite("Shared record headers")
struct SharedHeadersTests {
    @Test("every record carries the shared set, in order, from one header list per set")
    func sharedHeadersSurviveReuse() throws {
        let stack = try LocalStack.fromEnvironment()
        let topic = "helio-test-shared-headers-\(UInt32.random(in: 0 ... .max))"
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: stack.brokers), logger: Logger(label: "test"))
        try producer.createTopics([topic], partitions: 1, replicationFactor: 1)
        let context = SharedHeaders([("__debezium.context.taskId", Array(#"{"payload":"0"}"#.utf8)), ("b", Array("2".utf8)), ("c", Array("third".utf8))])
        let other = SharedHeaders([("other", Array("x".utf8))])
        var id: UInt64 = 0
        // Three rounds, each delivered before the next: the later rounds send the lists the
        // first round's deliveries detached.
        for round in 0..<3 {
            for index in 0..<200 {
                id += 1
                let shared = index % 10 == 9 ? other : context
                try producer.send(OutgoingRecord(topic: topic, key: Array("\(round)-\(index)".utf8), value: [UInt8(index % 256)], shared: shared), id: id)
            }
            #expect(producer.sharedHeaderListCount == 2)
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

    @Test("records that never reach a broker are purged with their reports, and the shared list is kept for them")
    func unreachableBrokerRecordsArePurged() throws {
        // Nothing listens on port 1: the records stay queued (message.timeout.ms=0 never expires them).
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: "127.0.0.1:1"), logger: Logger(label: "test"))
        let context = SharedHeaders([("__debezium.context.taskId", Array("0".utf8))])
        for id in 1...1_000 as ClosedRange<UInt64> {
            try producer.send(OutgoingRecord(topic: "helio-test-unreachable", key: Array("\(id)".utf8), value: [1], shared: context), id: id)
        }
        #expect(producer.outstanding >= 1_000) // and the connection errors' events, not yet served
        #expect(producer.sharedHeaderListCount == 1)
        #expect(producer.purge(timeoutMilliseconds: 10_000))
        let reports = producer.poll(timeoutMilliseconds: 0)
        #expect(reports.count == 1_000)
        #expect(reports.allSatisfy { $0.error != nil })
        #expect(producer.outstanding == 0)
    }

    @Test("a producer freed with records in flight leaves every delivered record's shared headers intact")
    func freedWithRecordsInFlight() throws {
        let stack = try LocalStack.fromEnvironment()
        let topic = "helio-test-shared-headers-freed-\(UInt32.random(in: 0 ... .max))"
        let context = SharedHeaders([("__debezium.context.connectorLogicalName", Array(#"{"payload":"helio"}"#.utf8)),
                                     ("__debezium.context.taskId", Array(#"{"payload":"0"}"#.utf8))])
        do {
            let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: stack.brokers), logger: Logger(label: "test"))
            try producer.createTopics([topic], partitions: 1, replicationFactor: 1)
            for id in 1...2_000 as ClosedRange<UInt64> {
                try producer.send(OutgoingRecord(topic: topic, key: Array("\(id)".utf8), value: [1], shared: context), id: id)
            }
            #expect(producer.flush(timeoutMilliseconds: 30_000))
            // These go out without a flush: the producer is freed (deinit purges) with most of them queued or in flight.
            for id in 2_001...50_000 as ClosedRange<UInt64> {
                try producer.send(OutgoingRecord(topic: topic, key: Array("\(id)".utf8), value: [1], shared: context), id: id)
            }
            #expect(producer.outstanding > 0)
        }
        let records = try TopicReader(brokers: stack.brokers).read([topic], minimum: 2_000)
        #expect(records.count >= 2_000)
        for record in records {
            #expect(record.headers.map(\.name) == context.headers.map(\.name))
            #expect(record.headers.map(\.value) == context.headers.map(\.value))
        }
    }

    @Test("a producer refuses delivery.report.only.error: every record's report is needed")
    func refusesErrorOnlyReports() {
        let error = #expect(throws: KafkaError.self) {
            try KafkaProducer(properties: KafkaProducer.defaults(brokers: "127.0.0.1:1", overrides: ["delivery.report.only.error": "true"]),
                              logger: Logger(label: "test"))
        }
        #expect(error?.isConfiguration == true)
        #expect(error?.message.contains("delivery.report.only.error=true") == true)
    }
}
