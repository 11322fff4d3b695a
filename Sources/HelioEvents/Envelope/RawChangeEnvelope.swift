/// A change event whose row images are left as the JSON text they arrived in: the applier
/// hands them to PostgreSQL's jsonb as they are, so building them into values and writing
/// them out again would be wasted work (most of a decode's cost). The text is validated as
/// strictly as `ChangeEnvelope.decode` validates it, and everything else is decoded the
/// same way, with the same errors.
public struct RawChangeEnvelope: Sendable {
    /// Where `before` and `after` are in the record's bytes; nil when the event holds null.
    public var before: Range<Int>?
    public var after: Range<Int>?
    public var op: ChangeOp
    public var tsMs: Int64
    public var source: SourceInfo

    public static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> RawChangeEnvelope {
        let top = bytes.withUnsafeBufferPointer { TopLevel.scan($0) }
        let (fields, images) = try top.get()
        // The checks and their order are those of `ChangeEnvelope.decode`, so both report the same error.
        func image(_ key: String) throws(EnvelopeError) -> TopLevel.Image {
            guard let image = images[key] else { throw EnvelopeError(.missingField, field: key) }
            guard image.isObjectOrNull else { throw EnvelopeError(.wrongType(expected: "an object or null"), field: key) }
            return image
        }
        let before = try image("before")
        let after = try image("after")
        let reader = try FieldReader(.object(fields), path: "")
        let op = try reader.enumeration("op", as: ChangeOp.self)
        let tsMs = try reader.int64("ts_ms")
        let source = try SourceInfo.decode(try reader.value("source"))
        if after.range == nil && (op == .create || op == .update || op == .read) {
            throw EnvelopeError(.wrongType(expected: "an object for op '\(op.rawValue)'"), field: "after")
        }
        return RawChangeEnvelope(before: before.range, after: after.range, op: op, tsMs: tsMs, source: source)
    }

    /// The top-level object: row images as ranges, every other field decoded.
    private enum TopLevel {
        struct Image {
            var range: Range<Int>?
            var isObjectOrNull = true
        }

        static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<(JSONObject, [String: Image]), EnvelopeError> {
            var parser = JSONParser(bytes: bytes, maxDepth: JSONValue.defaultMaxDepth)
            var fields = JSONObject()
            var images: [String: Image] = [:]
            do throws(JSONParseError) {
                parser.skipWhitespace()
                guard !parser.atEnd, bytes[parser.offset] == UInt8(ascii: "{") else {
                    // Not an object: report malformed JSON as such, anything else as the wrong type.
                    try parser.skipValue()
                    parser.skipWhitespace()
                    guard parser.offset == bytes.count else { throw JSONParseError(.trailingData, at: parser.offset) }
                    return .failure(EnvelopeError(.wrongType(expected: "an object"), field: ""))
                }
                try parser.enterContainer()
                guard !parser.atEnd else { throw parser.unexpected() }
                var open = bytes[parser.offset] != UInt8(ascii: "}")
                if !open { parser.offset += 1 }
                while open {
                    parser.skipWhitespace()
                    guard !parser.atEnd && bytes[parser.offset] == UInt8(ascii: "\"") else { throw parser.unexpected() }
                    let key = try parser.parseString()
                    parser.skipWhitespace()
                    guard !parser.atEnd && bytes[parser.offset] == UInt8(ascii: ":") else { throw parser.unexpected() }
                    parser.offset += 1
                    parser.skipWhitespace()
                    if key == "before" || key == "after" {
                        let start = parser.offset
                        guard !parser.atEnd else { throw parser.unexpected() }
                        let isObject = bytes[start] == UInt8(ascii: "{")
                        let isNull = bytes[start] == UInt8(ascii: "n")
                        try parser.skipValue()
                        images[key] = Image(range: isObject ? start..<parser.offset : nil, isObjectOrNull: isObject || isNull)
                    } else {
                        fields.append(key, try parser.parseValue())
                    }
                    parser.skipWhitespace()
                    guard !parser.atEnd else { throw parser.unexpected() }
                    switch bytes[parser.offset] {
                    case UInt8(ascii: ","): parser.offset += 1
                    case UInt8(ascii: "}"): parser.offset += 1; open = false
                    default: throw parser.unexpected()
                    }
                }
                parser.skipWhitespace()
                guard parser.offset == bytes.count else { throw JSONParseError(.trailingData, at: parser.offset) }
                return .success((fields, images))
            } catch {
                return .failure(EnvelopeError(.malformedJSON(error), field: ""))
            }
        }
    }
}
