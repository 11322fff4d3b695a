import Testing
import HelioEvents

@Suite struct TransactionEventTests {
    static let begin = TransactionEvent.begin(txId: 571, commitLSN: 53_195_832, tsMs: 1_795_912_024_123)
    static let end = TransactionEvent.end(txId: 571, commitLSN: 53_195_832, tsMs: 1_795_912_024_123, dataCollections: [
        .init(collection: "public.energy", eventCount: 2),
        .init(collection: "public.devices", eventCount: 1),
    ])

    static let beginJSON = #"{"status":"BEGIN","id":"571:53195832","ts_ms":1795912024123,"event_count":null,"data_collections":null}"#
    static let endJSON = #"{"status":"END","id":"571:53195832","ts_ms":1795912024123,"event_count":3,"#
        + #""data_collections":[{"data_collection":"public.energy","event_count":2},"#
        + #"{"data_collection":"public.devices","event_count":1}]}"#

    private func text(_ event: TransactionEvent) -> String {
        String(decoding: event.encoded(), as: UTF8.self)
    }

    @Test func encodesDebeziumsShape() {
        #expect(text(Self.begin) == Self.beginJSON)
        #expect(text(Self.end) == Self.endJSON)
        let empty = TransactionEvent.end(txId: 1, commitLSN: 2, tsMs: 3, dataCollections: [])
        #expect(text(empty) == #"{"status":"END","id":"1:2","ts_ms":3,"event_count":0,"data_collections":[]}"#)
    }

    @Test func roundTrips() throws {
        #expect(try TransactionEvent.decode(Array(Self.beginJSON.utf8)) == Self.begin)
        #expect(try TransactionEvent.decode(Array(Self.endJSON.utf8)) == Self.end)
        #expect(try TransactionEvent.decode(Self.end.encoded()) == Self.end)
    }

    @Test func decodesDebeziumsOwnKeyOrderAndAbsentBeginCounts() throws {
        let debezium = #"{"status":"END","id":"571:53195832","event_count":3,"data_collections":["#
            + #"{"data_collection":"public.energy","event_count":2},{"data_collection":"public.devices","event_count":1}],"#
            + #""ts_ms":1795912024123}"#
        #expect(try TransactionEvent.decode(Array(debezium.utf8)) == Self.end)
        let bareBegin = #"{"status":"BEGIN","id":"571:53195832","ts_ms":1795912024123}"#
        #expect(try TransactionEvent.decode(Array(bareBegin.utf8)) == Self.begin)
    }

    @Test func splitsTheID() {
        #expect(Self.end.txId == 571)
        #expect(Self.end.commitLSN == 53_195_832)
        let max = TransactionEvent.makeID(txId: Int64.max, commitLSN: UInt64.max)
        #expect(TransactionEvent.splitID(max)! == (Int64.max, UInt64.max))
        for bad in ["571", "571:", ":1", "a:1", "1:-1", "1:2:3", ""] {
            #expect(TransactionEvent.splitID(bad) == nil, "\(bad)")
        }
    }

    private func decodeError(_ json: String) -> EnvelopeError? {
        #expect(throws: EnvelopeError.self) { try TransactionEvent.decode(Array(json.utf8)) }
    }

    @Test func invalidEventsNameTheirField() throws {
        #expect(decodeError(#"{"status":"COMMIT","id":"1:2","ts_ms":1}"#) == EnvelopeError(.invalidValue, field: "status"))
        #expect(decodeError(#"{"id":"1:2","ts_ms":1}"#) == EnvelopeError(.missingField, field: "status"))
        #expect(decodeError(#"{"status":"BEGIN","id":"12","ts_ms":1}"#) == EnvelopeError(.invalidValue, field: "id"))
        #expect(decodeError(#"{"status":"BEGIN","id":12,"ts_ms":1}"#)?.field == "id")
        #expect(decodeError(#"{"status":"BEGIN","id":"1:2"}"#) == EnvelopeError(.missingField, field: "ts_ms"))
        #expect(decodeError(#"{"status":"END","id":"1:2","ts_ms":1,"data_collections":[]}"#)
            == EnvelopeError(.missingField, field: "event_count"))
        #expect(decodeError(#"{"status":"END","id":"1:2","ts_ms":1,"event_count":0}"#)
            == EnvelopeError(.missingField, field: "data_collections"))
        #expect(decodeError(#"{"status":"END","id":"1:2","ts_ms":1,"event_count":-1,"data_collections":[]}"#)?.field
            == "event_count")
        #expect(decodeError(#"{"status":"END","id":"1:2","ts_ms":1,"event_count":0,"data_collections":null}"#)?.field
            == "data_collections")
        let badEntry = #"{"status":"END","id":"1:2","ts_ms":1,"event_count":3,"data_collections":["#
            + #"{"data_collection":"public.energy","event_count":2},{"data_collection":"public.units","event_count":"1"}]}"#
        #expect(decodeError(badEntry)?.field == "data_collections[1].event_count")
        let missingName = #"{"status":"END","id":"1:2","ts_ms":1,"event_count":1,"data_collections":[{"event_count":1}]}"#
        #expect(decodeError(missingName) == EnvelopeError(.missingField, field: "data_collections[0].data_collection"))
        #expect(decodeError(#"{"status":"END","id":"1:2","ts_ms":1,"event_count":1,"data_collections":[7]}"#)?.field
            == "data_collections[0]")
    }
}
