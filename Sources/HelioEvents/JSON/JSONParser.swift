// A strict RFC 8259 parser. Apply decodes every change event through it, and a malformed
// record must become a typed error for the dead-letter queue, never a crash: every read
// is bounds-checked against `end`, and nesting is limited so hostile input cannot
// exhaust the stack.

extension JSONValue {
    /// Deep enough for any jsonb column seen in practice, shallow enough for the stack.
    public static let defaultMaxDepth = 512

    /// Parses one JSON document (surrounding whitespace allowed, nothing else after it).
    /// Numbers keep their exact text; objects keep key order and duplicate keys.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        // Parse straight from contiguous storage when the caller has it (Kafka payloads
        // arrive as [UInt8]); copy once otherwise.
        let result = bytes.withContiguousStorageIfAvailable {
            JSONParser.parseDocument($0, maxDepth: maxDepth)
        } ?? Array(bytes).withUnsafeBufferPointer {
            JSONParser.parseDocument($0, maxDepth: maxDepth)
        }
        return try result.get()
    }

    /// Parses the UTF-8 of `text`.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var offset = 0
    var depth = 0

    static func parseDocument(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        return Result { () throws(JSONParseError) -> JSONValue in
            parser.skipWhitespace()
            let value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.offset == bytes.count else {
                throw JSONParseError(.trailingData, at: parser.offset)
            }
            return value
        }
    }

    var atEnd: Bool { offset >= bytes.count }

    /// `bytes[start..<end]` without going through `Slice`, whose generic metadata the
    /// runtime would otherwise look up on every string and number.
    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.baseAddress.map { $0 + start }, count: end - start)
    }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    /// The error for the byte at `offset`, or for running out of input.
    func unexpected() -> JSONParseError {
        atEnd ? JSONParseError(.unexpectedEnd, at: offset) : JSONParseError(.unexpectedByte(bytes[offset]), at: offset)
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard !atEnd else { throw unexpected() }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected()
        }
    }

    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw JSONParseError(.nestingTooDeep, at: offset) }
        offset += 1  // the opening bracket
        skipWhitespace()
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        if !atEnd && bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard !atEnd else { throw unexpected() }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; depth -= 1; return .array(elements)
            default: throw unexpected()
            }
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var object = JSONObject()
        if !atEnd && bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard !atEnd && bytes[offset] == UInt8(ascii: "\"") else { throw unexpected() }
            let key = try parseString()
            skipWhitespace()
            guard !atEnd && bytes[offset] == UInt8(ascii: ":") else { throw unexpected() }
            offset += 1
            skipWhitespace()
            object.append(key, try parseValue())
            skipWhitespace()
            guard !atEnd else { throw unexpected() }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; depth -= 1; return .object(object)
            default: throw unexpected()
            }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        for index in 0..<count {
            guard !atEnd && bytes[offset] == literal.utf8Start[index] else { throw unexpected() }
            offset += 1
        }
    }
}

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
}
