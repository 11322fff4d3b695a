/// A JSON document as the change events carry it.
///
/// Numbers keep their exact text rather than a `Double`: PostgreSQL's `int8`, `oid` and
/// LSNs exceed 2^53, and a float that went through the shortest round-trip formatter
/// must come out byte for byte as it went in. Objects keep their key order
/// (see ``JSONObject``) so that an encoded event is deterministic and testable.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's exact JSON text, e.g. `"42"`, `"0.1"`, `"1e+20"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// An integer as a JSON number.
    @inlinable
    public static func integer(_ value: some BinaryInteger) -> JSONValue {
        .number(String(value))
    }
}

// Deliberately not `ExpressibleByNilLiteral`: with it, `cond ? value : nil` and `return nil`
// in a function returning `JSONValue?` silently become a JSON null. Write `.null`.

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .number(String(value)) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Keeps the literal's order, which is the order the keys are written in.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text; meant for logs and tests, not the hot path.
    public var description: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
