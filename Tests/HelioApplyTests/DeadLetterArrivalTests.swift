@testable import HelioApply
import HelioEvents
import HelioKafka
import HelioOps
import Testing

/// A poison record that still says which change it was is staged as a counted placeholder
/// (op `x`) beside the dead-letter topic; one that does not is the dead-letter topic's only.
@Suite("Dead letters that were changes")
struct DeadLetterArrivalTests {
    static let topics = TopicNames(prefix: "solar")

    static func record(_ value: String, topic: String = "solar.public.units", key: String? = #"{"id":7}"#) -> KafkaRecord {
        KafkaRecord(topic: topic, partition: 2, offset: 41, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: [])
    }

    /// Helio's form, `after` not an object: the decoder refuses it, its source still says what it was.
    static let helioForm = #"{"before":null,"after":"oops","source":{"version":"0.1.0","connector":"postgresql","name":"solar","db":"solar","schema":"public","table":"units","txId":571,"lsn":16953478944,"commit_lsn":16953479000,"ts_ms":1796573898592,"ts_us":1796573898592409,"snapshot":"false"},"op":"u","ts_ms":1796573899115}"#

    @Test("Helio's form: table, row, positions and transaction from source; the error as the placeholder's only value")
    func helioForm() throws {
        let staged = try #require(DeadLetterArrival.staged(Self.record(Self.helioForm), reason: "after is not an object",
                                                         topics: Self.topics, form: .helio))
        #expect(staged.deadLetter && staged.sourceTable == "units" && staged.rowID == 7 && staged.partition == 2)
        #expect(staged.lsn == 16_953_478_944 && staged.commitLSN == 16_953_479_000 && staged.txID == 571)
        #expect(staged.commitMicros == 1_796_573_898_592_409)
        var row: [UInt8] = []
        staged.copyRow(seq: 5, into: &row)
        let fields = String(decoding: row, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields[2] == "x" && fields[3] == "7", "\(fields)")
        #expect(fields[8] == #"{"error":"after is not an object"}"#, "\(fields)")
    }

    @Test("Debezium's form has no commit position: staged without one (joined to its END); Helio's form without one is not staged")
    func commitPosition() throws {
        let withoutCommit = Self.helioForm.replacingOccurrences(of: #""commit_lsn":16953479000,"#, with: "")
        #expect(DeadLetterArrival.staged(Self.record(withoutCommit), reason: "r", topics: Self.topics, form: .helio) == nil)
        let debezium = try #require(DeadLetterArrival.staged(Self.record(withoutCommit), reason: "r", topics: Self.topics, form: .debezium))
        #expect(debezium.commitLSN == nil && debezium.txID == 571)
    }

    @Test("not JSON, no source, another table's event, a table apply does not model: not staged")
    func notAChange() {
        #expect(DeadLetterArrival.staged(Self.record("not json"), reason: "r", topics: Self.topics, form: .helio) == nil)
        #expect(DeadLetterArrival.staged(Self.record(#"{"op":"u","after":{"id":7}}"#), reason: "r", topics: Self.topics, form: .helio) == nil)
        #expect(DeadLetterArrival.staged(Self.record(Self.helioForm, topic: "solar.public.devices"), reason: "r",
                                         topics: Self.topics, form: .helio) == nil)
        #expect(DeadLetterArrival.staged(Self.record(Self.helioForm.replacingOccurrences(of: #""table":"units""#, with: #""table":"notes""#),
                                                     topic: "solar.public.notes"), reason: "r", topics: Self.topics, form: .helio) == nil)
    }
}
