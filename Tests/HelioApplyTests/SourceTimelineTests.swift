@testable import HelioApply
import HelioEvents
import HelioKafka
import HelioOps
import Testing

/// A failover's promoted standby goes on from its own WAL's end, on a new timeline, and its LSNs
/// can be lower than the phantoms already published from the old primary. Capture names the
/// timeline (`helio.timeline`, above 1); apply orders by (timeline, LSN) by moving positions.
@Suite("Positions across source timelines")
struct SourceTimelineTests {
    static let topics = TopicNames(prefix: "solar")
    static let decoder = RecordDecoder(topics: topics, personalData: PersonalData(key: "k"))
    static let units = #"{"before":null,"after":{"id":7,"user_id":1,"name":"roof"},"source":{"version":"0.1.0","connector":"postgresql","name":"solar","db":"solar","schema":"public","table":"units","txId":571,"lsn":16953478944,"commit_lsn":16953479000,"ts_ms":1796573898592,"ts_us":1796573898592409,"snapshot":"false"},"op":"u","ts_ms":1796573899115}"#
    static let end = TransactionEvent.end(txId: 571, commitLSN: 16_953_479_000, tsMs: 1_796_573_898_592,
                                          dataCollections: [.init(collection: "public.units", eventCount: 1)]).encoded()

    static func record(_ value: [UInt8], topic: String = "solar.public.units", timeline: String?) -> KafkaRecord {
        KafkaRecord(topic: topic, partition: 0, offset: 1, key: Array(#"{"id":7}"#.utf8), value: value,
                    headers: timeline.map { [("helio.timeline", Array($0.utf8))] } ?? [])
    }

    static func positions(_ decoded: DecodedRecord) -> [UInt64] {
        switch decoded {
        case .change(let change): return [change.lsn, change.commitLSN ?? 0]
        case .transactionEnd(let end): return [end.commitLSN]
        default: return []
        }
    }

    @Test("no header and timeline 1: positions as the source gave them")
    func firstTimeline() throws {
        for timeline in [nil, "1"] {
            #expect(Self.positions(try Self.decoder.decode(Self.record(Array(Self.units.utf8), timeline: timeline))) == [16_953_478_944, 16_953_479_000])
            #expect(Self.positions(try Self.decoder.decode(Self.record(Self.end, topic: "solar.transaction", timeline: timeline))) == [16_953_479_000])
        }
    }

    @Test("timeline 2: a change and its transaction's END move by 2^48 together, above any position of timeline 1")
    func laterTimeline() throws {
        let change = Self.positions(try Self.decoder.decode(Self.record(Array(Self.units.utf8), timeline: "2")))
        let end = Self.positions(try Self.decoder.decode(Self.record(Self.end, topic: "solar.transaction", timeline: "2")))
        #expect(change == [16_953_478_944 + (1 << 48), 16_953_479_000 + (1 << 48)])
        #expect(end == [16_953_479_000 + (1 << 48)])
        // A phantom of timeline 1 far ahead of the switch point still orders before it.
        #expect(change[0] > 0xFFFF_0000_0000 && change[0] > 16_953_478_944 + 200 << 30)
    }

    @Test("a header that names no timeline, or a position that would not fit, is a poison record")
    func refused() {
        for bad in ["two", "0", "65536", ""] {
            #expect(throws: PoisonRecord.self) { try Self.decoder.decode(Self.record(Array(Self.units.utf8), timeline: bad)) }
        }
        #expect(throws: PoisonRecord.self) { try SourceTimeline.move(UInt64.max - 5, by: 1 << 48) }
    }

    @Test("a dead letter's placeholder is ordered on its timeline like the row's other changes")
    func deadLetter() throws {
        let staged = try #require(DeadLetterArrival.staged(Self.record(Array(Self.units.utf8), timeline: "3"), reason: "r",
                                                         topics: Self.topics, form: .helio))
        #expect(staged.lsn == 16_953_478_944 + 2 << 48 && staged.commitLSN == 16_953_479_000 + 2 << 48)
    }
}
