/// What a reader of a whole topic needs from a change event, found without building it: the
/// `op`, whether `source` is an object, and where `before` is. A resync's census reads every
/// record of a table topic (millions after a large transaction); parsing each into a tree cost
/// most of that read. Both record forms: Helio's and Debezium's, with or without its
/// schema/payload wrapping (the payload's fields are read then).
public struct ChangeOutline: Sendable, Equatable {
    public var op: String?
    public var hasSource: Bool
    /// The `before` object's bytes in the scanned record; nil when it is null or absent.
    public var before: Range<Int>?

    public init(op: String?, hasSource: Bool, before: Range<Int>?) {
        self.op = op
        self.hasSource = hasSource
        self.before = before
    }

    /// Nil when the bytes are not a JSON object (or a schema/payload pair around one).
    public static func scan(_ bytes: [UInt8]) -> ChangeOutline? {
        bytes.withUnsafeBufferPointer { buffer in
            guard let top = scanObject(buffer, from: 0, to: buffer.count) else { return nil }
            if top.hasSchema, let payload = top.payload {
                return scanObject(buffer, from: payload.lowerBound, to: payload.upperBound)?.outline
            }
            return top.outline
        }
    }

    private struct Scanned {
        var outline = ChangeOutline(op: nil, hasSource: false, before: nil)
        var hasSchema = false
        var payload: Range<Int>?
    }

    /// One object's top-level fields in `bytes[from..<to]`: the few named ones kept, every other
    /// value skipped.
    private static func scanObject(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Scanned? {
        var parser = JSONParser(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), maxDepth: JSONValue.defaultMaxDepth)
        var scanned = Scanned()
        do throws(JSONParseError) {
            parser.skipWhitespace()
            guard !parser.atEnd, parser.bytes[parser.offset] == UInt8(ascii: "{") else { return nil }
            try parser.enterContainer()
            guard !parser.atEnd else { return nil }
            var open = parser.bytes[parser.offset] != UInt8(ascii: "}")
            if !open { parser.offset += 1 }
            while open {
                parser.skipWhitespace()
                guard !parser.atEnd && parser.bytes[parser.offset] == UInt8(ascii: "\"") else { return nil }
                let key = try parser.parseString()
                parser.skipWhitespace()
                guard !parser.atEnd && parser.bytes[parser.offset] == UInt8(ascii: ":") else { return nil }
                parser.offset += 1
                parser.skipWhitespace()
                guard !parser.atEnd else { return nil }
                let valueStart = parser.offset
                let first = parser.bytes[valueStart]
                switch key {
                case "op":
                    scanned.outline.op = first == UInt8(ascii: "\"") ? try parser.parseString() : nil
                    if first != UInt8(ascii: "\"") { try parser.skipValue() }
                default:
                    try parser.skipValue()
                    let range = (start + valueStart)..<(start + parser.offset)
                    switch key {
                    case "source": scanned.outline.hasSource = first == UInt8(ascii: "{")
                    case "before": scanned.outline.before = first == UInt8(ascii: "{") ? range : nil
                    case "schema": scanned.hasSchema = true
                    case "payload": scanned.payload = first == UInt8(ascii: "{") ? range : nil
                    default: break
                    }
                }
                parser.skipWhitespace()
                guard !parser.atEnd else { return nil }
                switch parser.bytes[parser.offset] {
                case UInt8(ascii: ","): parser.offset += 1
                case UInt8(ascii: "}"): parser.offset += 1; open = false
                default: return nil
                }
            }
            parser.skipWhitespace()
            return parser.atEnd ? scanned : nil
        } catch {
            return nil
        }
    }
}
