import Testing
import HelioEvents

/// Every contract violation must come back as a typed error naming its field, because
/// the applier dead-letters the record with that reason.
@Suite struct ChangeEnvelopeDecodingTests {
    private func document() throws -> JSONObject {
        try #require(try JSONValue.parse(ChangeEnvelopeTests.insertJSON).objectValue)
    }

    private func decodeError(_ document: JSONObject) -> EnvelopeError? {
        #expect(throws: EnvelopeError.self) { try ChangeEnvelope.decode(JSONValue.object(document).encoded()) }
    }

    private func withSource(_ change: (inout JSONObject) -> Void) throws -> JSONObject {
        var document = try document()
        var source = try #require(document["source"]?.objectValue)
        change(&source)
        document.set("source", .object(source))
        return document
    }

    static let sourceFields = ["version", "connector", "name", "db", "schema", "table",
                               "txId", "lsn", "commit_lsn", "ts_ms", "ts_us", "snapshot"]

    @Test(arguments: sourceFields)
    func missingSourceFieldIsNamed(_ field: String) throws {
        let error = decodeError(try withSource { $0.remove(field) })
        #expect(error == EnvelopeError(.missingField, field: "source.\(field)"))
    }

    static let mistypedSourceFields: [(String, JSONValue)] = [
        ("version", 1), ("connector", .null), ("name", ["solar"]), ("db", true), ("schema", ["a": 1]), ("table", 2),
        ("txId", "571"), ("txId", .number("571.0")), ("txId", .number("9223372036854775808")),
        ("lsn", "53195720"), ("lsn", .number("-1")), ("lsn", .number("5e7")),
        ("commit_lsn", .null), ("commit_lsn", .number("18446744073709551616")),
        ("ts_ms", "1795912024123"), ("ts_us", .number("1795912024123456.5")), ("snapshot", false),
    ]

    @Test(arguments: mistypedSourceFields)
    func mistypedSourceFieldIsNamed(_ field: String, _ value: JSONValue) throws {
        let error = try #require(decodeError(try withSource { $0.set(field, value) }))
        #expect(error.field == "source.\(field)")
        guard case .wrongType = error.code else {
            Issue.record("expected wrongType, got \(error)")
            return
        }
    }

    @Test func unknownSnapshotMarkerIsInvalid() throws {
        let error = decodeError(try withSource { $0.set("snapshot", "incremental") })
        #expect(error == EnvelopeError(.invalidValue, field: "source.snapshot"))
    }

    @Test(arguments: ["before", "after", "source", "op", "ts_ms"])
    func missingTopLevelFieldIsNamed(_ field: String) throws {
        var document = try document()
        document.remove(field)
        #expect(decodeError(document) == EnvelopeError(.missingField, field: field))
    }

    static let mistypedTopLevel: [(String, JSONValue)] = [
        ("before", "x"), ("after", [1]), ("source", []), ("source", .null), ("op", 1), ("ts_ms", "1"), ("ts_ms", .null),
    ]

    @Test(arguments: mistypedTopLevel)
    func mistypedTopLevelFieldIsNamed(_ field: String, _ value: JSONValue) throws {
        var document = try document()
        document.set(field, value)
        let error = try #require(decodeError(document))
        #expect(error.field == field)
        guard case .wrongType = error.code else {
            Issue.record("expected wrongType, got \(error)")
            return
        }
    }

    @Test(arguments: ["x", "C", "", "create"])
    func unknownOpIsInvalid(_ op: String) throws {
        var document = try document()
        document.set("op", .string(op))
        #expect(decodeError(document) == EnvelopeError(.invalidValue, field: "op"))
    }

    @Test(arguments: ["c", "u", "r"])
    func rowChangesNeedAnAfterImage(_ op: String) throws {
        var document = try document()
        document.set("op", .string(op))
        document.set("after", .null)
        let error = try #require(decodeError(document))
        #expect(error.field == "after")
    }

    @Test func deleteAndTruncateNeedNoAfterImage() throws {
        for op in ["d", "t"] {
            var document = try document()
            document.set("op", .string(op))
            document.set("after", .null)
            #expect(try ChangeEnvelope.decode(JSONValue.object(document)).op.rawValue == op)
        }
    }

    @Test func notJSONOrNotAnObject() throws {
        let truncated = Array(ChangeEnvelopeTests.insertJSON.utf8.dropLast())
        let error = try #require(#expect(throws: EnvelopeError.self) { try ChangeEnvelope.decode(truncated) })
        #expect(error.field == "")
        guard case .malformedJSON(let parseError) = error.code else {
            Issue.record("expected malformedJSON, got \(error)")
            return
        }
        #expect(parseError.code == .unexpectedEnd)
        #expect(throws: EnvelopeError(.wrongType(expected: "an object"), field: "")) {
            try ChangeEnvelope.decode(Array("[1]".utf8))
        }
    }

    @Test func errorDescriptionsNameTheFieldButNotTheValue() {
        let error = EnvelopeError(.wrongType(expected: "an integer"), field: "source.txId")
        #expect(error.description == "invalid event: field 'source.txId' must be an integer")
        #expect(EnvelopeError(.missingField, field: "op").description == "invalid event: field 'op' is missing")
    }
}
