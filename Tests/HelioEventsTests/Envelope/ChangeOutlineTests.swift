import HelioEvents
import Testing

/// The outline a topic-wide reader takes of a change event (a resync's census): op, whether
/// `source` is an object, where `before` is — checked against full parsing on both record forms.
@Suite("ChangeOutline")
struct ChangeOutlineTests {
    static let helio = #"{"before":{"id":7,"name":"old"},"after":{"id":8,"name":"new"},"source":{"version":"0.1.0","table":"units","lsn":16953478944},"op":"u","ts_ms":1796573899115}"#

    @Test("Helio's form: op, source and the before object's bytes")
    func helioForm() throws {
        let bytes = Array(Self.helio.utf8)
        let outline = try #require(ChangeOutline.scan(bytes))
        #expect(outline.op == "u" && outline.hasSource)
        let before = try #require(outline.before)
        #expect(String(decoding: bytes[before], as: UTF8.self) == #"{"id":7,"name":"old"}"#)
    }

    @Test("Debezium's form with schema and payload: the payload's fields, ranges in the whole record")
    func schemaPayload() throws {
        let text = #"{"schema":{"type":"struct","fields":[{"field":"op"}]},"payload":\#(Self.helio.replacingOccurrences(of: "\"op\":\"u\"", with: "\"op\":\"d\""))}"#
        let bytes = Array(text.utf8)
        let outline = try #require(ChangeOutline.scan(bytes))
        #expect(outline.op == "d" && outline.hasSource)
        let before = try #require(outline.before)
        #expect(String(decoding: bytes[before], as: UTF8.self) == #"{"id":7,"name":"old"}"#)
    }

    @Test("null before, no source, source not an object, op not a string; not an object or not JSON: nil")
    func edges() {
        #expect(ChangeOutline.scan(Array(#"{"before":null,"after":{"id":1},"source":{},"op":"c"}"#.utf8))
                == ChangeOutline(op: "c", hasSource: true, before: nil))
        #expect(ChangeOutline.scan(Array(#"{"after":{"id":1},"op":"c","ts_ms":1}"#.utf8))?.hasSource == false)
        #expect(ChangeOutline.scan(Array(#"{"source":"x","op":7}"#.utf8)) == ChangeOutline(op: nil, hasSource: false, before: nil))
        #expect(ChangeOutline.scan(Array("not json".utf8)) == nil)
        #expect(ChangeOutline.scan(Array("[1,2]".utf8)) == nil)
        #expect(ChangeOutline.scan(Array(#"{"op":"c""#.utf8)) == nil, "cut short")
        #expect(ChangeOutline.scan(Array(#"{"op":"c"} trailing"#.utf8)) == nil)
    }

    @Test("the outline agrees with the parsed event on varied records")
    func agreesWithParsing() throws {
        let records = [
            Self.helio,
            #"{"before":null,"after":{"id":1,"t":"a \"quoted\" } brace"},"source":{"a":[1,{"b":null}]},"op":"c","ts_ms":1}"#,
            #"{"op":"r","source":{},"before":{"id":"k-1","nested":{"op":"d"}},"after":{"id":"k-1"}}"#,
            #"{ "before" : { "id" : 3 } , "source" : { } , "op" : "d" }"#,
        ]
        for record in records {
            let bytes = Array(record.utf8)
            let outline = try #require(ChangeOutline.scan(bytes), "\(record)")
            let parsed = try #require(try JSONValue.parse(bytes).objectValue)
            #expect(outline.op == parsed["op"]?.stringValue, "\(record)")
            #expect(outline.hasSource == (parsed["source"]?.objectValue != nil), "\(record)")
            let before = outline.before.map { try? JSONValue.parse(bytes[$0]) } ?? nil
            #expect(before == parsed["before"].flatMap { $0.objectValue != nil ? $0 : nil }, "\(record)")
        }
    }
}
