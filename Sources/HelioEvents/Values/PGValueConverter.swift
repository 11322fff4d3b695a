/// Turns a column value in PostgreSQL's text output format (what pgoutput sends for a
/// `t` tuple column) into the JSON the change events carry, by the column's type OID.
///
/// The rules are the data contract's (§2): integers as numbers, `numeric` as an exact
/// decimal string, floats as shortest round-trip numbers, timestamps as ISO-8601.
/// It never fails: text it does not recognise (an unexpected DateStyle, a type added
/// later) passes through as a string, because losing a row is worse than an odd format.
/// Nulls and unchanged-TOAST columns never reach it: pgoutput marks them separately.
public enum PGValueConverter {
    public static func convert(_ text: String, typeOID: UInt32) -> JSONValue {
        switch typeOID {
        case PGTypeOID.int2, PGTypeOID.int4, PGTypeOID.int8, PGTypeOID.oid:
            return isPlainInteger(text) ? .number(text) : .string(text)
        case PGTypeOID.numeric:
            // Exact text keeps the scale ("1.2300") and NaN/±Infinity, which JSON numbers
            // cannot carry.
            return .string(text)
        case PGTypeOID.float8:
            return PGFloatText.float8(text)
        case PGTypeOID.float4:
            return PGFloatText.float4(text)
        case PGTypeOID.bool:
            switch text {
            case "t": return .bool(true)
            case "f": return .bool(false)
            default: return .string(text)
            }
        case PGTypeOID.date:
            return .string(PGDateTimeText.isoDate(text) ?? text)
        case PGTypeOID.timestamptz:
            return .string(PGDateTimeText.isoTimestamp(text, withOffset: true) ?? text)
        case PGTypeOID.timestamp:
            return .string(PGDateTimeText.isoTimestamp(text, withOffset: false) ?? text)
        case PGTypeOID.json, PGTypeOID.jsonb:
            // Embedded as a value so consumers need not parse twice. A server-validated json
            // column always parses; the fallback only guards against surprises.
            return (try? JSONValue.parse(Array(text.utf8))) ?? .string(text)
        case PGTypeOID.bytea:
            return .string(PGByteaText.base64(text) ?? text)
        default:
            if let elementType = PGTypeOID.elementType(ofArray: typeOID) {
                return PGArrayText.parse(text, elementType: elementType) ?? .string(text)
            }
            // text, varchar, bpchar, name, uuid, time, timetz, interval, enums, unknown OIDs.
            return .string(text)
        }
    }

    /// As `convert(_:typeOID:)` for raw column bytes from the wire.
    public static func convert(utf8 bytes: some Collection<UInt8>, typeOID: UInt32) -> JSONValue {
        convert(String(decoding: bytes, as: UTF8.self), typeOID: typeOID)
    }

    /// `-?[0-9]+`: what int2/int4/int8/oid print, and a valid JSON number only if there is
    /// no leading zero (PostgreSQL never prints one).
    static func isPlainInteger(_ text: String) -> Bool {
        var utf8 = text.utf8[...]
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        guard let first = utf8.first else { return false }
        if first == UInt8(ascii: "0") && utf8.count > 1 { return false }
        return utf8.allSatisfy(isDigit)
    }
}
