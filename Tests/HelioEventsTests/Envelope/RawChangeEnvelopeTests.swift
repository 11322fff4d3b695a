import Testing
import HelioEvents

/// The raw decoder must accept exactly what `ChangeEnvelope.decode` accepts (one exception:
/// `\u0000`, which jsonb cannot store) and hand back the same event.
@Suite struct RawChangeEnvelopeTests {
    /// Both decoders on the same bytes: same verdict, same fields, same row images.
    func agree(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let full = Result { () throws(EnvelopeError) in try ChangeEnvelope.decode(bytes) }
        let raw = Result { () throws(EnvelopeError) in try RawChangeEnvelope.decode(bytes) }
        switch (full, raw) {
        case (.success(let expected), .success(let actual)):
            #expect(actual.op == expected.op, sourceLocation: sourceLocation)
            #expect(actual.tsMs == expected.tsMs, sourceLocation: sourceLocation)
            #expect(actual.source == expected.source, sourceLocation: sourceLocation)
            #expect(image(actual.after, in: bytes) == expected.after, sourceLocation: sourceLocation)
            #expect(image(actual.before, in: bytes) == expected.before, sourceLocation: sourceLocation)
        case (.failure(let expected), .failure(let actual)):
            #expect(actual == expected, sourceLocation: sourceLocation)
        case (.success, .failure) where String(decoding: bytes, as: UTF8.self).contains(#"\u0000"#):
            break // refused on purpose: see aNullCharacterEscapeIsRefused
        default:
            Issue.record("decoders disagree: full \(full), raw \(raw)", sourceLocation: sourceLocation)
        }
    }

    func image(_ range: Range<Int>?, in bytes: [UInt8]) -> JSONObject? {
        range.flatMap { try? JSONValue.parse(bytes[$0]).objectValue }
    }

    @Test(arguments: ChangeEnvelopeTests.roundTripCases)
    func validEventsDecodeAlike(_ envelope: ChangeEnvelope) {
        agree(envelope.encoded())
        agree(Array(" \n\(String(decoding: envelope.encoded(), as: UTF8.self))\t ".utf8))
    }

    @Test func theImageIsTheExactTextOfTheEvent() throws {
        let bytes = Array(ChangeEnvelopeTests.insertJSON.utf8)
        let raw = try RawChangeEnvelope.decode(bytes)
        let after = try #require(raw.after)
        #expect(String(decoding: bytes[after], as: UTF8.self)
            == #"{"id":42,"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1.2300","power_kw":null}"#)
        #expect(raw.before == nil)
    }

    static let invalid: [String] = [
        "", "null", "[]", "\"x\"", "{", "{}", #"{"before":null}"#,
        #"{"before":1,"after":null,"source":{},"op":"d","ts_ms":1}"#,
        #"{"before":null,"after":[1],"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{"a":tru},"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{"a":"\x"},"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{"a":01},"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{"a":1,},"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{"a":"\ud800"},"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":null,"source":{},"op":"c","ts_ms":1}"#,
        #"{"before":null,"after":{},"source":{},"op":"c","ts_ms":1} x"#,
    ]

    @Test(arguments: invalid)
    func invalidEventsFailAlike(_ text: String) {
        agree(Array(text.utf8))
    }

    @Test func everyTruncatedEventFailsAlike() {
        for envelope in ChangeEnvelopeTests.roundTripCases {
            let bytes = envelope.encoded()
            for length in 0..<bytes.count { agree(Array(bytes[0..<length])) }
        }
    }

    @Test func corruptedEventsDecodeAlike() {
        var generator = SystemRandomNumberGenerator()
        let specials: [UInt8] = Array("{}[]\",:\\0123456789-.eEnulltrfa ".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        for envelope in ChangeEnvelopeTests.roundTripCases {
            let bytes = envelope.encoded()
            for _ in 0..<300 {
                var corrupted = bytes
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    corrupted[Int.random(in: 0..<corrupted.count, using: &generator)] = specials.randomElement(using: &generator)!
                }
                agree(corrupted)
            }
        }
    }

    @Test func aNullCharacterEscapeIsRefused() {
        // Valid JSON, which the full decoder accepts, but jsonb refuses "\u0000": one such
        // record must go to the dead-letter topic, not fail the warehouse's whole batch.
        let text = #"{"before":null,"after":{"id":1,"name":"a\u0000b"},"source":{},"op":"c","ts_ms":1}"#
        #expect(throws: EnvelopeError.self) { try RawChangeEnvelope.decode(Array(text.utf8)) }
    }
}
