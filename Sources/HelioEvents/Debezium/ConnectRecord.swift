/// JSON with schemas (Kafka Connect's `JsonConverter`, `schemas.enable=true`): a key or value
/// is `{"schema":<schema>,"payload":<what schemas.enable=false writes>}`, and a null value (a
/// tombstone) stays null. Capture writes the part before the payload once per table
/// (``prefix(schema:)``) and closes each record with one byte; readers find the payload without
/// building the schema (``payloadRange(_:)``), or unwrap a parsed record (``payload(of:)``).
public enum ConnectRecord {
    /// `{"schema":<schema>,"payload":` — a record then holds the payload and `}`.
    public static func prefix(schema: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(schema.count + 22)
        buffer.appendASCII("{\"schema\":")
        buffer.append(contentsOf: schema)
        buffer.appendASCII(",\"payload\":")
        return buffer
    }

    public static func prefix(schema: StaticString) -> [UInt8] {
        prefix(schema: schema.withUTF8Buffer { Array($0) })
    }

    /// A whole record: `prefix`, the payload, `}`.
    public static func wrap(_ payload: [UInt8], prefix: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(prefix.count + payload.count + 1)
        buffer.append(contentsOf: prefix)
        buffer.append(contentsOf: payload)
        buffer.append(UInt8(ascii: "}"))
        return buffer
    }

    /// Where the payload is in a record with a schema: after a top-level `"schema"` member
    /// (skipped, checked as JSON but not built) and `"payload":`, up to the closing brace. Nil
    /// when the record is not one (no schema first, another member, trailing data): the caller
    /// reads it as a record without schema.
    public static func payloadRange(_ bytes: [UInt8]) -> Range<Int>? {
        bytes.withUnsafeBufferPointer { buffer -> Range<Int>? in
            var parser = JSONParser(bytes: buffer, maxDepth: JSONValue.defaultMaxDepth)
            func expect(_ text: StaticString) -> Bool {
                parser.skipWhitespace()
                let matched = text.withUTF8Buffer { literal -> Bool in
                    guard parser.offset + literal.count <= buffer.count else { return false }
                    for index in 0..<literal.count where buffer[parser.offset + index] != literal[index] { return false }
                    return true
                }
                if matched { parser.offset += text.utf8CodeUnitCount }
                return matched
            }
            guard expect("{"), expect("\"schema\""), expect(":") else { return nil }
            parser.skipWhitespace()
            do { try parser.skipValue() } catch { return nil }
            guard expect(","), expect("\"payload\""), expect(":") else { return nil }
            parser.skipWhitespace()
            let start = parser.offset
            do { try parser.skipValue() } catch { return nil }
            let end = parser.offset
            guard expect("}") else { return nil }
            parser.skipWhitespace()
            return parser.offset == buffer.count ? start..<end : nil
        }
    }

    /// The payload of a parsed record with a schema (an object of exactly `schema`, an object
    /// or null, and `payload`); any other value as it is.
    public static func payload(of value: JSONValue) -> JSONValue {
        guard let object = value.objectValue, object.count == 2, let schema = object["schema"], schema.objectValue != nil || schema.isNull,
              let payload = object["payload"] else { return value }
        return payload
    }
}
