/// Type OIDs of PostgreSQL's built-in types, as pgoutput's Relation message reports them.
///
/// Built-in OIDs are fixed in the catalog (`pg_type.dat`) and the same on every server;
/// these were checked against `pg_type` of PostgreSQL 15. User-defined types (enums,
/// domains, composites) get OIDs at creation time and fall to the converter's default:
/// their text as a string.
public enum PGTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let char: UInt32 = 18
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let json: UInt32 = 114
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let time: UInt32 = 1083
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let interval: UInt32 = 1186
    public static let timetz: UInt32 = 1266
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802

    // Array types (`pg_type.typarray` of the element type).
    public static let boolArray: UInt32 = 1000
    public static let byteaArray: UInt32 = 1001
    public static let charArray: UInt32 = 1002
    public static let nameArray: UInt32 = 1003
    public static let int2Array: UInt32 = 1005
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let bpcharArray: UInt32 = 1014
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let float4Array: UInt32 = 1021
    public static let float8Array: UInt32 = 1022
    public static let oidArray: UInt32 = 1028
    public static let timestampArray: UInt32 = 1115
    public static let dateArray: UInt32 = 1182
    public static let timeArray: UInt32 = 1183
    public static let timestamptzArray: UInt32 = 1185
    public static let intervalArray: UInt32 = 1187
    public static let numericArray: UInt32 = 1231
    public static let timetzArray: UInt32 = 1270
    public static let jsonArray: UInt32 = 199
    public static let uuidArray: UInt32 = 2951
    public static let jsonbArray: UInt32 = 3807

    /// The element type of a known array type, or nil for anything else. Every type
    /// listed uses `,` as its array delimiter (only geometric `box` uses `;`).
    public static func elementType(ofArray arrayType: UInt32) -> UInt32? {
        switch arrayType {
        case boolArray: return bool
        case byteaArray: return bytea
        case charArray: return char
        case nameArray: return name
        case int2Array: return int2
        case int4Array: return int4
        case textArray: return text
        case bpcharArray: return bpchar
        case varcharArray: return varchar
        case int8Array: return int8
        case float4Array: return float4
        case float8Array: return float8
        case oidArray: return Self.oid
        case timestampArray: return timestamp
        case dateArray: return date
        case timeArray: return time
        case timestamptzArray: return timestamptz
        case intervalArray: return interval
        case numericArray: return numeric
        case timetzArray: return timetz
        case jsonArray: return json
        case uuidArray: return uuid
        case jsonbArray: return jsonb
        default: return nil
        }
    }
}
