@testable import HelioApply
import HelioKafka
import Testing

/// The headers of a dead letter: the record's own, Helio's `helio.*`, and Kafka Connect's
/// `__connect.errors.*` with the names and encodings of Connect's DeadLetterQueueReporter.
@Suite("Dead letters: headers")
struct DeadLetterHeadersTests {
    static let record = KafkaRecord(topic: "solar.public.energy", partition: 3, offset: 1_234_567_890_123, key: Array(#"{"id":1}"#.utf8),
                                    value: Array("not json".utf8), headers: [("trace", Array("abc".utf8))])

    static func text(_ headers: [(name: String, value: [UInt8])]) -> [String: String] {
        Dictionary(headers.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }, uniquingKeysWith: { $1 })
    }

    @Test("with context headers: Connect's names, decimal text for numbers, the consumer group as connector name")
    func connectHeaders() {
        let headers = DeadLetters.headers(Self.record, reason: "undecodable change event: bad", connect: ConnectErrorHeaders(connectorName: "helio-apply"))
        #expect(headers.first?.name == "trace", "the record's own headers come first, kept")
        let text = Self.text(headers)
        #expect(text["helio.error"] == "undecodable change event: bad")
        #expect(text["__connect.errors.topic"] == "solar.public.energy")
        #expect(text["__connect.errors.partition"] == "3")
        #expect(text["__connect.errors.offset"] == "1234567890123")
        #expect(text["__connect.errors.connector.name"] == "helio-apply")
        #expect(text["__connect.errors.task.id"] == "0")
        #expect(text["__connect.errors.stage"] == "VALUE_CONVERTER")
        #expect(text["__connect.errors.class.name"] == "HelioApply.RecordDecoder")
        #expect(text["__connect.errors.exception.class.name"] == "HelioApply.PoisonRecord")
        #expect(text["__connect.errors.exception.message"] == "undecodable change event: bad")
        #expect(text["__connect.errors.exception.stacktrace"] == nil, "Helio has no stack trace to give")
        let connect = headers.filter { $0.name.hasPrefix("__connect.errors.") }.map(\.name)
        #expect(connect == ["topic", "partition", "offset", "connector.name", "task.id", "stage", "class.name",
                            "exception.class.name", "exception.message"].map { "__connect.errors." + $0 }, "Connect's order")
    }

    @Test("without context headers (dlq.context_headers: false): Helio's own only")
    func helioOnly() {
        let names = DeadLetters.headers(Self.record, reason: "r", connect: nil).map(\.name)
        #expect(names == ["trace", "helio.error", "helio.source.topic", "helio.source.partition", "helio.source.offset"])
    }
}
