/// Why a Kafka record is not a valid change event, key or transaction event.
///
/// The applier routes these records to the dead-letter topic, so the error names the
/// offending field by its path (`source.txId`, `data_collections[1].event_count`) and
/// never quotes the payload, which may hold personal data.
public struct EnvelopeError: Error, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// The bytes are not JSON at all.
        case malformedJSON(JSONParseError)
        /// A required field is absent.
        case missingField
        /// A field holds the wrong JSON type; `expected` names the right one.
        case wrongType(expected: String)
        /// A field has the right type but a value outside the contract (an unknown `op`).
        case invalidValue
    }

    public var code: Code
    /// The field's path from the top of the record; empty for the record itself.
    public var field: String

    public init(_ code: Code, field: String) {
        self.code = code
        self.field = field
    }
}

extension EnvelopeError: CustomStringConvertible {
    public var description: String {
        let subject = field.isEmpty ? "record" : "field '\(field)'"
        switch code {
        case .malformedJSON(let error): return "invalid event: \(error)"
        case .missingField: return "invalid event: \(subject) is missing"
        case .wrongType(let expected): return "invalid event: \(subject) must be \(expected)"
        case .invalidValue: return "invalid event: \(subject) has a value outside the contract"
        }
    }
}

/// Typed reads from one decoded JSON object, each failing with the field's full path.
struct FieldReader {
    let object: JSONObject
    /// Prepended to field names in errors: `"source."` for the source block.
    let pathPrefix: String

    init(_ value: JSONValue, path: String) throws(EnvelopeError) {
        guard let object = value.objectValue else {
            throw EnvelopeError(.wrongType(expected: "an object"), field: path)
        }
        self.object = object
        self.pathPrefix = path.isEmpty ? "" : path + "."
    }

    func path(_ key: String) -> String { pathPrefix + key }

    func value(_ key: String) throws(EnvelopeError) -> JSONValue {
        guard let value = object[key] else { throw EnvelopeError(.missingField, field: path(key)) }
        return value
    }

    func string(_ key: String) throws(EnvelopeError) -> String {
        guard let text = try value(key).stringValue else { throw wrongType(key, "a string") }
        return text
    }

    func int64(_ key: String) throws(EnvelopeError) -> Int64 {
        guard let number = try value(key).int64Value else { throw wrongType(key, "an integer") }
        return number
    }

    func uint64(_ key: String) throws(EnvelopeError) -> UInt64 {
        guard let number = try value(key).uint64Value else { throw wrongType(key, "a non-negative integer") }
        return number
    }

    /// An object or null (`before`, `after`); the key itself must be present.
    func optionalObject(_ key: String) throws(EnvelopeError) -> JSONObject? {
        let value = try value(key)
        if value.isNull { return nil }
        guard let object = value.objectValue else { throw wrongType(key, "an object or null") }
        return object
    }

    /// A string field that must name a case of `T`.
    func enumeration<T: RawRepresentable<String>>(_ key: String, as type: T.Type) throws(EnvelopeError) -> T {
        guard let parsed = T(rawValue: try string(key)) else { throw EnvelopeError(.invalidValue, field: path(key)) }
        return parsed
    }

    func wrongType(_ key: String, _ expected: String) -> EnvelopeError {
        EnvelopeError(.wrongType(expected: expected), field: path(key))
    }
}

/// Parses `bytes` as JSON, reporting a parse failure as an envelope error.
func parseRecord(_ bytes: some Collection<UInt8>) throws(EnvelopeError) -> JSONValue {
    do throws(JSONParseError) {
        return try JSONValue.parse(bytes)
    } catch {
        throw EnvelopeError(.malformedJSON(error), field: "")
    }
}
