@testable import HelioCapture
import Testing

/// The resync's census (source failover, issue #13 item 2): which keys Kafka shows live, and
/// which of them the source never vouched for again — those become deletes.
@Suite("KeyCensus")
struct KeyCensusTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("the last record per key decides: c/u/r live, d or a tombstone gone")
    func lastRecordDecides() {
        var census = KeyCensus()
        census.read(key: Self.bytes(#"{"id":1}"#), value: Self.bytes(#"{"before":null,"after":{"id":1},"source":{},"op":"c"}"#))
        census.read(key: Self.bytes(#"{"id":2}"#), value: Self.bytes(#"{"before":null,"after":{"id":2},"source":{},"op":"r"}"#))
        census.read(key: Self.bytes(#"{"id":3}"#), value: Self.bytes(#"{"before":null,"after":{"id":3},"source":{},"op":"c"}"#))
        census.read(key: Self.bytes(#"{"id":3}"#), value: Self.bytes(#"{"before":{"id":3},"after":null,"source":{},"op":"d"}"#))
        census.read(key: Self.bytes(#"{"id":3}"#), value: nil)
        census.read(key: Self.bytes(#"{"id":4}"#), value: Self.bytes(#"{"before":null,"after":{"id":4},"source":{},"op":"c"}"#))
        census.read(key: Self.bytes(#"{"id":4}"#), value: nil)
        census.read(key: Self.bytes(#"{"id":5}"#), value: Self.bytes(#"{"before":{"id":5},"after":null,"source":{},"op":"d"}"#))
        census.read(key: Self.bytes(#"{"id":5}"#), value: Self.bytes(#"{"before":null,"after":{"id":5},"source":{},"op":"c"}"#))
        #expect(census.live == ["1", "2", "5"])
    }

    @Test("a record that is no change event (no source: a poison record) does not count")
    func poisonIgnored() {
        var census = KeyCensus()
        census.read(key: Self.bytes(#"{"id":"poison-1"}"#), value: Self.bytes(#"{"before":null,"after":{"id":"poison-1"},"op":"c","ts_ms":1}"#))
        census.read(key: Self.bytes(#"{"id":"poison-2"}"#), value: Self.bytes("not json"))
        #expect(census.live.isEmpty)
        #expect(KeyCensus.fits("42", typeOID: 20) && !KeyCensus.fits("poison-3", typeOID: 20) && KeyCensus.fits("poison-3", typeOID: 25),
                "a key that an integer column cannot hold is never deleted")
        #expect(KeyCensus.comparable(typeOID: 20) && KeyCensus.comparable(typeOID: 2950) && !KeyCensus.comparable(typeOID: 1184),
                "a timestamptz key reads differently in Kafka: no deletes decided on it")
    }

    @Test("keys the source touched since the census are never deleted; the others are")
    func touchedKeysStay() {
        var census = KeyCensus()
        for id in 1...4 {
            census.read(key: Self.bytes("{\"id\":\(id)}"), value: Self.bytes("{\"after\":{\"id\":\(id)},\"source\":{},\"op\":\"u\"}"))
        }
        census.touch("1")   // read by a chunk
        census.touch("3")   // changed by the stream
        census.touch("9")   // inserted after the census: not in Kafka's view, nothing to delete
        #expect(census.gone == ["2", "4"])
    }

    @Test("text keys, Debezium's schema/payload form, a key change; a truncate and composite keys change nothing")
    func forms() {
        var census = KeyCensus()
        census.read(key: Self.bytes(#"{"code":"a-1"}"#), value: Self.bytes(#"{"after":{"code":"a-1"},"source":{},"op":"c"}"#))
        census.read(key: Self.bytes(#"{"schema":{"type":"struct"},"payload":{"code":"b-2"}}"#),
                    value: Self.bytes(#"{"schema":{"type":"struct"},"payload":{"after":{"code":"b-2"},"source":{},"op":"r"}}"#))
        // The row moved from a-1 to c-3: a-1 is no longer live.
        census.read(key: Self.bytes(#"{"code":"c-3"}"#), value: Self.bytes(#"{"before":{"code":"a-1"},"after":{"code":"c-3"},"source":{},"op":"u"}"#))
        #expect(census.live == ["b-2", "c-3"])
        census.read(key: nil, value: Self.bytes(#"{"op":"t"}"#))
        #expect(census.live == ["b-2", "c-3"], "a truncate is not applied: its rows get a harmless delete again")
        census.read(key: Self.bytes(#"{"a":1,"b":2}"#), value: Self.bytes(#"{"source":{},"op":"c"}"#))
        #expect(census.live == ["b-2", "c-3"], "composite keys are not counted (resync needs single-column keys)")
    }

    /// What the census did before `ChangeOutline`: every record parsed whole.
    static func parsedCensus(_ records: [(key: [UInt8], value: [UInt8]?)]) -> Set<String> {
        var live: Set<String> = []
        for record in records {
            guard let key = KeyCensus.keyText(record.key) else { continue }
            guard let value = record.value else { live.remove(key); continue }
            guard let event = KeyCensus.payloadObject(value), event["source"]?.objectValue != nil else { continue }
            switch event["op"]?.stringValue {
            case "d": live.remove(key)
            case "c", "u", "r":
                if let old = event["before"]?.objectValue?["id"].flatMap({ $0.numberText }), old != key { live.remove(old) }
                live.insert(key)
            default: break
            }
        }
        return live
    }

    /// A table topic after a large transaction: energy inserts as capture writes them, updates
    /// (some moving a row to another id), deletes and tombstones. The census must find the same
    /// live keys as full parsing did; the two times are printed (not asserted), for the docs.
    @Test("a census of 200,000 energy records: the same live keys as parsing each record whole")
    func outlinedAgreesWithParsed() {
        var records: [(key: [UInt8], value: [UInt8]?)] = []
        func event(_ op: String, id: Int, before: Int?) -> [UInt8] {
            let image = "{\"id\":\(id),\"device_id\":\(id % 97),\"measured_at\":\"2026-03-01T10:15:00-03:00\",\"energy_kwh\":\"1.2500\",\"power_kw\":\"5.0000\"}"
            let beforeText = before.map { "{\"id\":\($0),\"device_id\":1}" } ?? "null"
            return Array("{\"before\":\(beforeText),\"after\":\(op == "d" ? "null" : image),\"source\":{\"version\":\"0.1.0\",\"connector\":\"postgresql\",\"name\":\"solar\",\"ts_ms\":1796573898592,\"ts_us\":1796573898592409,\"snapshot\":\"false\",\"db\":\"solar\",\"schema\":\"public\",\"table\":\"energy\",\"txId\":571,\"lsn\":\(16953478944 + id),\"commit_lsn\":16953479000},\"op\":\"\(op)\",\"ts_ms\":1796573899115}".utf8)
        }
        for id in 1...200_000 {
            let key = Array("{\"id\":\(id)}".utf8)
            switch id % 10 {
            case 3: records.append((key, event("u", id: id, before: id)))
            case 5: records.append((key, event("u", id: id, before: id - 4)))   // moved from id - 4
            case 7:
                records.append((key, event("d", id: id, before: id)))
                records.append((key, nil))
            default: records.append((key, event("c", id: id, before: nil)))
            }
        }
        let clock = ContinuousClock()
        var census = KeyCensus()
        let outlined = clock.measure { for record in records { census.read(key: record.key, value: record.value) } }
        var reference: Set<String> = []
        let parsed = clock.measure { reference = Self.parsedCensus(records) }
        #expect(census.live == reference)
        #expect(census.live.count == 200_000 - 20_000 - 20_000, "deleted, and moved away from: \(census.live.count)")
        print("KeyCensus over \(records.count) records: outlined \(outlined), parsed whole \(parsed)")
    }

    @Test("the database of a multi-host URL, of a plain URL and of a keyword string")
    func databaseNames() {
        #expect(CaptureService.databaseName("postgresql://u:p@127.0.0.1:5432,127.0.0.1:5433/solar?target_session_attrs=read-write") == "solar")
        #expect(CaptureService.databaseName("postgresql://u:p%2Fq@db.example.com/sol%61r") == "solar")
        #expect(CaptureService.databaseName("postgresql://db.example.com") == "postgres")
        #expect(CaptureService.databaseName("host=a,b port=1,2 dbname=solar target_session_attrs=read-write") == "solar")
    }
}
