/// Kafka Connect schemas as `JsonConverter` writes them (`schemas.enable=true`) for the
/// records of Debezium 3.6's PostgreSQL connector: a column's schema (its Connect type,
/// Debezium's logical name, version and parameters, its default), a table's key and value
/// (`Envelope`) schemas, and the fixed schemas of `source`, the transaction block, transaction
/// events and logical decoding messages. Written once per table and relation by capture
/// (`capture.debezium_schemas`), never per row: a record is `{"schema":…,"payload":…}` where the
/// schema part is the same bytes for every row of the table (``ConnectRecord``).
///
/// The attributes come in JsonConverter's order: `type`, a struct's `fields` or an array's
/// `items`, `optional`, `name`, `version`, `doc`, `parameters`, `default`, then `field` (the
/// name within its struct).
public enum ConnectSchema {
    /// A Connect type with Debezium's logical name, version and parameters, when it has them.
    struct ColumnType {
        var type: StaticString
        var logical: (name: StaticString, version: Int)? = nil
        var parameters: [(String, String)] = []
    }

    /// The schema Debezium's `schemaBuilder` gives a column of `typeOID` (an array's element
    /// or a column), with the decimal and time modes: `double`/`string` decimals are plain
    /// `double`/`string`; `connect` uses Kafka Connect's own `Date`, `Time` and `Timestamp`;
    /// `adaptive_time_microseconds` makes every time `MicroTime`. Nil for an array.
    static func columnType(typeOID: UInt32, typeModifier: Int32, settings: DebeziumSettings) -> ColumnType {
        let precision = DebeziumTemporal.precision(typeModifier: typeModifier)
        switch (typeOID, settings.decimalHandling, settings.timePrecision) {
        case (PGTypeOID.numeric, .double, _): return ColumnType(type: "double")
        case (PGTypeOID.numeric, .string, _): return ColumnType(type: "string")
        case (PGTypeOID.date, _, .connect): return ColumnType(type: "int32", logical: ("org.apache.kafka.connect.data.Date", 1))
        case (PGTypeOID.time, _, .connect): return ColumnType(type: "int32", logical: ("org.apache.kafka.connect.data.Time", 1))
        case (PGTypeOID.timestamp, _, .connect): return ColumnType(type: "int64", logical: ("org.apache.kafka.connect.data.Timestamp", 1))
        case (PGTypeOID.time, _, .adaptiveTimeMicroseconds): return ColumnType(type: "int64", logical: ("io.debezium.time.MicroTime", 1))
        default: break
        }
        switch typeOID {
        case PGTypeOID.int2: return ColumnType(type: "int16")
        case PGTypeOID.int4: return ColumnType(type: "int32")
        case PGTypeOID.int8, PGTypeOID.oid: return ColumnType(type: "int64")
        case PGTypeOID.float4: return ColumnType(type: "float")
        case PGTypeOID.float8: return ColumnType(type: "double")
        case PGTypeOID.bool: return ColumnType(type: "boolean")
        case PGTypeOID.bytea: return ColumnType(type: "bytes")
        case PGTypeOID.uuid: return ColumnType(type: "string", logical: ("io.debezium.data.Uuid", 1))
        case PGTypeOID.json, PGTypeOID.jsonb: return ColumnType(type: "string", logical: ("io.debezium.data.Json", 1))
        case PGTypeOID.date: return ColumnType(type: "int32", logical: ("io.debezium.time.Date", 1))
        case PGTypeOID.time:
            return precision <= 3 ? ColumnType(type: "int32", logical: ("io.debezium.time.Time", 1))
                                  : ColumnType(type: "int64", logical: ("io.debezium.time.MicroTime", 1))
        case PGTypeOID.timestamp:
            return precision <= 3 ? ColumnType(type: "int64", logical: ("io.debezium.time.Timestamp", 1))
                                  : ColumnType(type: "int64", logical: ("io.debezium.time.MicroTimestamp", 1))
        case PGTypeOID.timestamptz: return ColumnType(type: "string", logical: ("io.debezium.time.ZonedTimestamp", 1))
        case PGTypeOID.timetz: return ColumnType(type: "string", logical: ("io.debezium.time.ZonedTime", 1))
        case PGTypeOID.interval: return ColumnType(type: "int64", logical: ("io.debezium.time.MicroDuration", 1))
        case PGTypeOID.numeric:
            if typeModifier < 0 { return ColumnType(type: "struct", logical: ("io.debezium.data.VariableScaleDecimal", 1)) }
            let scale = (typeModifier - 4) & 0xFFFF
            let digits = ((typeModifier - 4) >> 16) & 0xFFFF
            return ColumnType(type: "bytes", logical: ("org.apache.kafka.connect.data.Decimal", 1),
                              parameters: [("scale", String(scale)), ("connect.decimal.precision", String(digits))])
        default: return ColumnType(type: "string")
        }
    }

    /// A column's field of a row (or key) struct: its schema, then `"field":<name>`.
    public static func writeField(_ column: DebeziumColumn, settings: DebeziumSettings = .defaults, into buffer: inout [UInt8]) {
        writeSchema(column, settings: settings, into: &buffer)
        buffer.removeLast()
        buffer.appendASCII(",\"field\":")
        buffer.appendJSONString(column.name)
        buffer.append(UInt8(ascii: "}"))
    }

    /// A column's schema: an array's `items` (each element optional), an enum's `allowed`
    /// labels, and the default Debezium reads from the catalog (``DebeziumValues/defaultValue(_:column:settings:)``:
    /// a literal, or a function's placeholder), for a NULL-able column too.
    public static func writeSchema(_ column: DebeziumColumn, settings: DebeziumSettings = .defaults, into buffer: inout [UInt8]) {
        if let element = PGTypeOID.elementType(ofArray: column.typeOID) {
            buffer.appendASCII("{\"type\":\"array\",\"items\":")
            let item = DebeziumColumn(name: "", typeOID: element, typeModifier: column.typeModifier, optional: true,
                                      isEnum: column.isEnum, enumValues: column.enumValues)
            writeSchema(item, settings: settings, into: &buffer)
            writeOptional(column.optional, into: &buffer)
            buffer.append(UInt8(ascii: "}"))
            return
        }
        if column.isEnum {
            buffer.appendASCII("{\"type\":\"string\"")
            writeOptional(column.optional, into: &buffer)
            buffer.appendASCII(",\"name\":\"io.debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":")
            buffer.appendJSONString(column.enumValues.joined(separator: ","))
            buffer.append(UInt8(ascii: "}"))
            writeDefault(column, settings: settings, into: &buffer)
            buffer.append(UInt8(ascii: "}"))
            return
        }
        let type = columnType(typeOID: column.typeOID, typeModifier: column.typeModifier, settings: settings)
        let variableScale = type.logical?.name.description == "io.debezium.data.VariableScaleDecimal"
        buffer.appendASCII("{\"type\":\"")
        buffer.appendASCII(type.type)
        buffer.append(UInt8(ascii: "\""))
        if variableScale {
            buffer.appendASCII(#","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}]"#)
        }
        writeOptional(column.optional, into: &buffer)
        if let logical = type.logical {
            buffer.appendASCII(",\"name\":\"")
            buffer.appendASCII(logical.name)
            buffer.appendASCII("\",\"version\":")
            buffer.appendDecimal(Int64(logical.version))
        }
        if variableScale { buffer.appendASCII(#","doc":"Variable scaled decimal""#) }
        if !type.parameters.isEmpty {
            buffer.appendASCII(",\"parameters\":{")
            for (index, parameter) in type.parameters.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.appendJSONString(parameter.0)
                buffer.append(UInt8(ascii: ":"))
                buffer.appendJSONString(parameter.1)
            }
            buffer.append(UInt8(ascii: "}"))
        }
        writeDefault(column, settings: settings, into: &buffer)
        buffer.append(UInt8(ascii: "}"))
    }

    private static func writeOptional(_ optional: Bool, into buffer: inout [UInt8]) {
        buffer.appendASCII(optional ? ",\"optional\":true" : ",\"optional\":false")
    }

    private static func writeDefault(_ column: DebeziumColumn, settings: DebeziumSettings, into buffer: inout [UInt8]) {
        guard let expression = column.defaultExpression,
              let value = DebeziumValues.defaultValue(expression, column: column, settings: settings) else { return }
        buffer.appendASCII(",\"default\":")
        value.write(into: &buffer)
    }

    /// A struct of columns: `{"type":"struct","fields":[…],"optional":…,"name":…}` (no version:
    /// Debezium gives its table structs none).
    static func writeStruct(name: String, columns: [DebeziumColumn], optional: Bool, settings: DebeziumSettings,
                            into buffer: inout [UInt8]) {
        buffer.appendASCII("{\"type\":\"struct\",\"fields\":[")
        for (index, column) in columns.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            writeField(column, settings: settings, into: &buffer)
        }
        buffer.append(UInt8(ascii: "]"))
        writeOptional(optional, into: &buffer)
        buffer.appendASCII(",\"name\":")
        buffer.appendJSONString(name)
        buffer.append(UInt8(ascii: "}"))
    }

    /// A table's key schema, `<prefix>.<schema>.<table>.Key`: its key columns.
    public static func key(name: String, columns: [DebeziumColumn], settings: DebeziumSettings = .defaults) -> [UInt8] {
        var buffer: [UInt8] = []
        writeStruct(name: name, columns: columns, optional: false, settings: settings, into: &buffer)
        return buffer
    }

    /// A table's change event schema, `<prefix>.<schema>.<table>.Envelope` (version 2): `before`
    /// and `after` (the row, `<…>.Value`, optional), `source`, the transaction block, `op` and
    /// the processing times. `columns`: those Debezium has a schema for (``DebeziumValues/isIncluded(typeOID:)``).
    public static func envelope(namePrefix: String, columns: [DebeziumColumn], settings: DebeziumSettings = .defaults) -> [UInt8] {
        var row: [UInt8] = []
        writeStruct(name: namePrefix + ".Value", columns: columns, optional: true, settings: settings, into: &row)
        row.removeLast()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(2 * row.count + 1_600)
        buffer.appendASCII("{\"type\":\"struct\",\"fields\":[")
        buffer.append(contentsOf: row)
        buffer.appendASCII(",\"field\":\"before\"},")
        buffer.append(contentsOf: row)
        buffer.appendASCII(",\"field\":\"after\"},")
        buffer.appendASCII(sourceField)
        buffer.append(UInt8(ascii: ","))
        buffer.appendASCII(transactionField)
        buffer.appendASCII(#",{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"}],"optional":false,"name":"#)
        buffer.appendJSONString(namePrefix + ".Envelope")
        buffer.appendASCII(",\"version\":2}")
        return buffer
    }

    /// `io.debezium.connector.postgresql.Source`, the `source` field.
    static let sourceField: StaticString = #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},{"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},{"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},{"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"},{"type":"string","optional":true,"field":"origin"},{"type":"int64","optional":true,"field":"origin_lsn"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"}"#

    /// `event.block`, the per-event `transaction` field.
    static let transactionField: StaticString = #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"}"#

    /// The key of BEGIN and END on `<prefix>.transaction`.
    public static let transactionKey: StaticString = #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataKey","version":1}"#

    /// BEGIN and END.
    public static let transactionValue: StaticString = #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"status"},{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":true,"field":"event_count"},{"type":"array","items":{"type":"struct","fields":[{"type":"string","optional":false,"field":"data_collection"},{"type":"int64","optional":false,"field":"event_count"}],"optional":true,"name":"event.collection","version":1},"optional":true,"field":"data_collections"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.TransactionMetadataValue","version":1}"#

    /// The key of a logical decoding message on `<prefix>.message`.
    public static let messageKey: StaticString = #"{"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"}],"optional":false,"name":"io.debezium.connector.postgresql.MessageKey","version":1}"#

    /// A logical decoding message: `op`, `ts_ms`, `source`, the transaction block, `message`.
    public static var messageValue: [UInt8] {
        var buffer: [UInt8] = []
        buffer.appendASCII(#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},"#)
        buffer.appendASCII(sourceField)
        buffer.append(UInt8(ascii: ","))
        buffer.appendASCII(transactionField)
        buffer.appendASCII(#",{"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"},{"type":"bytes","optional":true,"field":"content"}],"optional":false,"name":"io.debezium.connector.postgresql.Message","version":1,"field":"message"}],"optional":false,"name":"io.debezium.connector.postgresql.MessageValue","version":1}"#)
        return buffer
    }
}

/// The Kafka Connect schema of a record key, as `JsonConverter` writes it in the key headers
/// of a primary-key change (and, with `capture.debezium_schemas`, in every key):
/// `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"<prefix>.<schema>.<table>.Key"}`.
public enum ConnectKeySchema {
    public static func encode(name: String, columns: [DebeziumColumn], settings: DebeziumSettings = .defaults) -> [UInt8] {
        ConnectSchema.key(name: name, columns: columns, settings: settings)
    }
}
