import Testing
import HelioEvents

@Suite struct RecordKeyTests {
    @Test func encodesTheContractsKey() {
        #expect(RecordKey.id(42).encoded() == Array(#"{"id":42}"#.utf8))
        #expect(RecordKey.id(Int64.min).encoded() == Array(#"{"id":-9223372036854775808}"#.utf8))
    }

    @Test func compositeKeysKeepColumnOrder() {
        let key = RecordKey([("device_id", 7), ("measured_at", "2026-11-29T00:15:00Z")])
        #expect(String(decoding: key.encoded(), as: UTF8.self) == #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z"}"#)
        #expect(key["device_id"] == 7)
        #expect(key.id == nil)
    }

    @Test func decodesBack() throws {
        let key = try RecordKey.decode(Array(#"{"id":42}"#.utf8))
        #expect(key == .id(42))
        #expect(key.id == 42)
        let composite = RecordKey([("a", "x"), ("b", 1)])
        #expect(try RecordKey.decode(composite.encoded()) == composite)
    }

    @Test func rejectsWhatIsNotAKey() {
        #expect(throws: EnvelopeError(.wrongType(expected: "an object"), field: "")) { try RecordKey.decode(Array("42".utf8)) }
        #expect(throws: EnvelopeError(.wrongType(expected: "an object"), field: "")) { try RecordKey.decode(Array("null".utf8)) }
        #expect(throws: EnvelopeError(.invalidValue, field: "")) { try RecordKey.decode(Array("{}".utf8)) }
        #expect(throws: EnvelopeError(.malformedJSON(JSONParseError(.unexpectedEnd, at: 0)), field: "")) {
            try RecordKey.decode([UInt8]())
        }
    }
}
