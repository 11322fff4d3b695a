/// Column values as Debezium 3.6's PostgreSQL connector writes them, through Kafka Connect's
/// `JsonConverter`: with its default settings (`decimal.handling.mode=precise`,
/// `time.precision.mode=adaptive`, `interval.handling.mode=numeric`,
/// `binary.handling.mode=bytes`), or the other decimal and time modes ``DebeziumSettings``
/// names. The input is PostgreSQL's text output, as pgoutput sends it and `COPY`
/// reads it in capture's session (DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601).
///
/// What differs from Helio's own form (``PGValueConverter``): `numeric` (``DebeziumDecimal``),
/// dates, times, timestamps and intervals (``DebeziumTemporal``), `json`/`jsonb` as strings
/// holding the text, floats in Java's notation (``JavaNumberText``), arrays of more than one
/// dimension (one null per outer element: Debezium cannot convert a nested array), `name`
/// (always null: Debezium has no converter for it), and a few array types Debezium has no
/// schema for, whose columns it leaves out of the row (``isIncluded(typeOID:)``).
public enum DebeziumValues {
    // Types ``PGTypeOID`` does not name.
    static let money: UInt32 = 790
    static let moneyArray: UInt32 = 791
    static let xmlArray: UInt32 = 143
    static let pointArray: UInt32 = 1017
    static let varbitArray: UInt32 = 1563
    static let refcursorArray: UInt32 = 2201

    /// Whether Debezium has a schema for the type; a column without one is not in `before`,
    /// `after` or the key at all.
    public static func isIncluded(typeOID: UInt32) -> Bool {
        switch typeOID {
        case moneyArray, PGTypeOID.nameArray, PGTypeOID.intervalArray, varbitArray, xmlArray, pointArray, refcursorArray: false
        default: true
        }
    }

    /// A column's non-null value. Text the type's parser does not recognise stays a string.
    ///
    /// `snapshot`: the value was read by a snapshot, which Debezium reads through JDBC rather
    /// than from pgoutput's text, and a few values come out differently: `name` is its text
    /// (null when streamed), a date's ±infinity are other numbers and a BC date loses its era.
    public static func convert(_ text: String, column: DebeziumColumn, snapshot: Bool = false,
                               settings: DebeziumSettings = .defaults) -> JSONValue {
        convert(text, typeOID: column.typeOID, typeModifier: column.typeModifier, isEnum: column.isEnum, snapshot: snapshot, settings: settings)
    }

    public static func convert(_ text: String, typeOID: UInt32, typeModifier: Int32 = -1, isEnum: Bool = false,
                               snapshot: Bool = false, settings: DebeziumSettings = .defaults) -> JSONValue {
        if snapshot {
            switch typeOID {
            case PGTypeOID.name: return .string(text)
            case PGTypeOID.date: return DebeziumTemporal.epochDayThroughJDBC(text).map { JSONValue.integer($0) } ?? .string(text)
            default: break
            }
        }
        switch typeOID {
        case PGTypeOID.int2, PGTypeOID.int4, PGTypeOID.int8, PGTypeOID.oid:
            return PGValueConverter.isPlainInteger(text) ? .number(text) : .string(text)
        case PGTypeOID.float4:
            guard let value = Float(text) else { return .string(text) }
            return value.isFinite ? .number(JavaNumberText.float(value)) : .string(JavaNumberText.float(value))
        case PGTypeOID.float8:
            guard let value = Double(text) else { return .string(text) }
            return value.isFinite ? .number(JavaNumberText.double(value)) : .string(JavaNumberText.double(value))
        case PGTypeOID.bool:
            return .bool(text == "t" || text == "true")
        case PGTypeOID.numeric:
            return numeric(text, typeModifier: typeModifier, mode: settings.decimalHandling)
        case PGTypeOID.date:
            return DebeziumTemporal.epochDay(text).map { JSONValue.integer($0) } ?? .string(text)
        case PGTypeOID.time:
            return DebeziumTemporal.time(text, precision: DebeziumTemporal.precision(typeModifier: typeModifier),
                                         mode: settings.timePrecision) ?? .string(text)
        case PGTypeOID.timestamp:
            return DebeziumTemporal.timestamp(text, precision: DebeziumTemporal.precision(typeModifier: typeModifier),
                                              mode: settings.timePrecision) ?? .string(text)
        case PGTypeOID.timestamptz:
            return .string(DebeziumTemporal.zonedTimestamp(text, precision: DebeziumTemporal.precision(typeModifier: typeModifier)) ?? text)
        case PGTypeOID.timetz:
            return .string(DebeziumTemporal.zonedTime(text) ?? text)
        case PGTypeOID.interval:
            return DebeziumTemporal.intervalMicros(iso: text).map { JSONValue.integer($0) } ?? .string(text)
        case PGTypeOID.bytea:
            return .string(PGByteaText.base64(text) ?? text)
        case PGTypeOID.name:
            return .null
        default:
            if let elementType = PGTypeOID.elementType(ofArray: typeOID) {
                return array(text, elementType: elementType, typeModifier: typeModifier, isEnum: isEnum, settings: settings)
            }
            // text, varchar, bpchar, "char", uuid, json, jsonb (strings holding the text),
            // enums, and types Debezium passes through as text (inet, ranges, …).
            return .string(text)
        }
    }

    static func numeric(_ text: String, typeModifier: Int32, mode: DebeziumSettings.DecimalHandling = .precise) -> JSONValue {
        let scale = typeModifier < 0 ? nil : Int((typeModifier - 4) & 0xFFFF)
        switch mode {
        case .precise:
            guard let scale else { return DebeziumDecimal.encodeVariableScale(text) ?? .null }
            return DebeziumDecimal.encode(text, scale: scale).map(JSONValue.string) ?? .null
        case .double:
            return DebeziumDecimal.double(text) ?? .null
        case .string:
            return DebeziumDecimal.plainString(text, scale: scale).map(JSONValue.string) ?? .null
        }
    }

    /// An array: its elements converted one by one; an element that is itself an array (a
    /// second dimension) becomes null, as Debezium's element converter cannot read it.
    static func array(_ text: String, elementType: UInt32, typeModifier: Int32, isEnum: Bool,
                      settings: DebeziumSettings = .defaults) -> JSONValue {
        // The JDBC driver cannot read NaN or ±Infinity into a BigDecimal: Debezium then fails to
        // read the whole array and writes null for it, in every decimal mode (numeric text has
        // no other letters).
        if elementType == PGTypeOID.numeric, text.contains("NaN") || text.contains("Infinity") { return .null }
        guard let parsed = PGArrayText.parse(text, element: {
            arrayElement($0, elementType: elementType, typeModifier: typeModifier, isEnum: isEnum, settings: settings)
        }),
              case .array(let elements) = parsed else { return .string(text) }
        return .array(elements.map { if case .array = $0 { return .null } else { return $0 } })
    }

    /// An element: as a column of its type, but dates, times (with and without time zone) and
    /// timestamps as Debezium reads them from JDBC (`DebeziumTemporal+Arrays.swift`).
    static func arrayElement(_ text: String, elementType: UInt32, typeModifier: Int32, isEnum: Bool,
                             settings: DebeziumSettings) -> JSONValue {
        let precision = DebeziumTemporal.precision(typeModifier: typeModifier)
        switch elementType {
        case PGTypeOID.date:
            return DebeziumTemporal.epochDayThroughJDBC(text).map { JSONValue.integer($0) } ?? .string(text)
        case PGTypeOID.time:
            return DebeziumTemporal.timeThroughJDBC(text, precision: precision, mode: settings.timePrecision) ?? .string(text)
        case PGTypeOID.timestamp:
            return DebeziumTemporal.timestampThroughJDBC(text, precision: precision, mode: settings.timePrecision) ?? .string(text)
        case PGTypeOID.timetz:
            return .string(DebeziumTemporal.zonedTimeThroughJDBC(text) ?? text)
        default:
            return convert(text, typeOID: elementType, typeModifier: typeModifier, isEnum: isEnum, settings: settings)
        }
    }

    // MARK: - A column without a value

    /// What Debezium writes where the row has no value: a null, or a NOT NULL column the row image
    /// does not carry (the non-key columns of a delete's `before` without `REPLICA IDENTITY
    /// FULL`). The column's default when Debezium can read it — for a NULL-able column too:
    /// Kafka Connect's `JsonConverter` writes a field's schema default in place of a null
    /// (`replace.null.with.default`, true by default), with or without `schemas.enable` — else,
    /// for a NOT NULL column, the type's zero (0, "", epoch, empty array). Nil (null) for a
    /// NULL-able column without a default Debezium reads.
    public static func absentValue(for column: DebeziumColumn, settings: DebeziumSettings = .defaults) -> JSONValue? {
        if let expression = column.defaultExpression, let value = defaultValue(expression, column: column, settings: settings) {
            return value
        }
        guard !column.optional else { return nil }
        return zero(for: column, settings: settings)
    }

    /// The fallback of each of Debezium's converters (for `numeric`, zero at the column's
    /// scale in the decimal mode: `AA==`, `0.0`, `"0.000"`; times and timestamps are 0 in
    /// every time mode).
    public static func zero(for column: DebeziumColumn, settings: DebeziumSettings = .defaults) -> JSONValue {
        switch column.typeOID {
        case PGTypeOID.int2, PGTypeOID.int4, PGTypeOID.int8, PGTypeOID.oid, PGTypeOID.date, PGTypeOID.time, PGTypeOID.timestamp,
             PGTypeOID.interval:
            return .integer(0)
        case PGTypeOID.float4, PGTypeOID.float8:
            return .number("0.0")
        case PGTypeOID.bool:
            return .bool(false)
        case PGTypeOID.numeric:
            if settings.decimalHandling != .precise { return numeric("0", typeModifier: column.typeModifier, mode: settings.decimalHandling) }
            return column.typeModifier < 0 ? DebeziumDecimal.encodeVariableScale("0") ?? .null : .string(DebeziumDecimal.zero)
        case PGTypeOID.timestamptz:
            return .string("1970-01-01T00:00:00Z")
        case PGTypeOID.timetz:
            return .string("00:00:00Z")
        default:
            if PGTypeOID.elementType(ofArray: column.typeOID) != nil { return .array([]) }
            return .string("")
        }
    }

    /// Debezium's `PostgresDefaultValueConverter`: a literal default (`'active'::text`, `5`,
    /// `'2024-01-01'::date`) is read; a default computed by a function (`now()`,
    /// `nextval(…)`, `CURRENT_DATE`) is given a placeholder (0, epoch, "", the nil UUID);
    /// types it has no reader for (bytea, timetz, arrays…) have none. The value then goes
    /// through the column's converter.
    public static func defaultValue(_ expression: String, column: DebeziumColumn, settings: DebeziumSettings = .defaults) -> JSONValue? {
        let trimmed = expression.trimmingSpaces
        func literal(_ placeholder: String) -> String? { extractDefault(trimmed, placeholder: placeholder) }
        switch column.typeOID {
        case PGTypeOID.bool:
            if trimmed.hasPrefix("NULL::") { return nil }
            guard let text = literal("false") else { return nil }
            return .bool(text.lowercased() == "true")
        case PGTypeOID.text, PGTypeOID.varchar, PGTypeOID.bpchar:
            return literal("").map(JSONValue.string)
        case PGTypeOID.json, PGTypeOID.jsonb:
            return literal("{}").map(JSONValue.string)
        case PGTypeOID.uuid:
            return literal("00000000-0000-0000-0000-000000000000").map { .string($0.lowercased()) }
        case PGTypeOID.int2, PGTypeOID.int4, PGTypeOID.int8:
            if trimmed.hasPrefix("NULL::") { return nil }
            guard let text = literal("0"), let value = Int64(text) else { return nil }
            return .integer(value)
        case PGTypeOID.numeric:
            // Without a declared scale the precise value would be a struct, which Kafka Connect
            // does not take as a default (KAFKA-12694): Debezium then has none. A double or a
            // string it takes.
            if trimmed.hasPrefix("NULL::") || (column.typeModifier < 0 && settings.decimalHandling == .precise) { return nil }
            guard let text = literal("0.0") else { return nil }
            let value = numeric(text, typeModifier: column.typeModifier, mode: settings.decimalHandling)
            return value == .null ? nil : value
        case PGTypeOID.float4:
            if trimmed.hasPrefix("NULL::") { return nil }
            guard let text = literal("0.0"), let value = Float(text) else { return nil }
            return .number(JavaNumberText.float(value))
        case PGTypeOID.float8:
            if trimmed.hasPrefix("NULL::") { return nil }
            guard let text = literal("0.0"), let value = Double(text) else { return nil }
            return .number(JavaNumberText.double(value))
        case PGTypeOID.date:
            guard let text = literal("1970-01-01") else { return nil }
            return DebeziumTemporal.epochDay(String(text.prefix(10))).map { JSONValue.integer($0) }
        case PGTypeOID.time:
            guard var text = literal("00:00") else { return nil }
            if text.count == 5 { text += ":00" }
            return DebeziumTemporal.time(text, precision: DebeziumTemporal.precision(typeModifier: column.typeModifier), mode: settings.timePrecision)
        case PGTypeOID.timestamp:
            guard let text = literal("1970-01-01"), let micros = epochMicrosOfLiteral(text) else { return nil }
            return DebeziumTemporal.timestamp(epochMicros: micros, precision: DebeziumTemporal.precision(typeModifier: column.typeModifier),
                                              mode: settings.timePrecision)
        case PGTypeOID.timestamptz:
            guard let text = literal("1970-01-01"), let micros = epochMicrosOfLiteral(text) else { return nil }
            let precision = DebeziumTemporal.precision(typeModifier: column.typeModifier)
            return .string(DebeziumTemporal.isoUTC(epochMicros: micros, fractionDigits: precision >= 1 && precision <= 9 ? precision : nil))
        case PGTypeOID.interval:
            guard let text = literal("epoch") else { return nil }
            return intervalLiteralMicros(text).map { JSONValue.integer($0) }
        default:
            guard column.isEnum, PGTypeOID.elementType(ofArray: column.typeOID) == nil else { return nil }
            // 'ok'::mood: the quoted value before the cast.
            let characters = Array(trimmed)
            guard let cast = (0..<max(characters.count - 1, 0)).last(where: { characters[$0] == ":" && characters[$0 + 1] == ":" }) else { return nil }
            let value = String(characters[..<cast])
            guard value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") else { return nil }
            return .string(String(value.dropFirst().dropLast()))
        }
    }

    /// Debezium's `extractDefault`: a function call or CURRENT_* gives the placeholder; a
    /// quoted literal its text; anything else itself (nil for `NULL::type`).
    static func extractDefault(_ expression: String, placeholder: String) -> String? {
        if isFunctionCall(expression) || ["current_timestamp", "current_time", "current_date", "localtime", "localtimestamp"]
            .contains(expression.lowercased()) {
            return placeholder
        }
        guard let quote = expression.firstIndex(of: "'") else {
            return expression.hasPrefix("NULL::") ? nil : expression
        }
        // The first quoted literal, '' being a quote inside it.
        var text = ""
        var index = expression.index(after: quote)
        while index < expression.endIndex {
            let character = expression[index]
            if character == "'" {
                let next = expression.index(after: index)
                if next < expression.endIndex && expression[next] == "'" {
                    text.append("'")
                    index = expression.index(after: next)
                    continue
                }
                return text
            }
            text.append(character)
            index = expression.index(after: index)
        }
        return nil
    }

    /// `^[(]?[A-Za-z0-9_.]+\(…\)`: a default computed by a function.
    static func isFunctionCall(_ expression: String) -> Bool {
        var rest = Substring(expression)
        if rest.first == "(" { rest = rest.dropFirst() }
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
        guard !name.isEmpty else { return false }
        rest = rest.dropFirst(name.count)
        return rest.first == "(" && rest.contains(")")
    }

    /// A default timestamp literal (`1970-01-01`, `2024-01-01 00:00:00`, `…+00`) as epoch µs.
    static func epochMicrosOfLiteral(_ text: String) -> Int64? {
        if text.count == 10, let days = DebeziumTemporal.epochDay(text) { return days * DebeziumTemporal.microsPerDay }
        return DebeziumTemporal.epochMicros(timestamptz: text) ?? DebeziumTemporal.epochMicros(timestamp: text)
    }

    /// An interval default literal in PostgreSQL's own style (`01:00:00`, `1 day`, `epoch`).
    static func intervalLiteralMicros(_ text: String) -> Int64? {
        if text == "epoch" || text == "00:00:00" { return 0 }
        if let micros = DebeziumTemporal.intervalMicros(iso: text) { return micros }
        var fields = DebeziumTemporal.IntervalFields()
        let words = text.split(separator: " ")
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.contains(":") {
                let negative = word.hasPrefix("-")
                let parts = word.drop { $0 == "-" || $0 == "+" }.split(separator: ":")
                guard parts.count >= 2, let hours = Int(parts[0]), let minutes = Int(parts[1]) else { return nil }
                var (seconds, micros): (Int64, Int64) = (0, 0)
                if parts.count == 3 { guard let parsed = DebeziumTemporal.secondsAndMicros(String(parts[2])) else { return nil }; (seconds, micros) = parsed }
                fields.hours = negative ? -hours : hours
                fields.minutes = negative ? -minutes : minutes
                fields.seconds = negative ? -seconds : seconds
                fields.micros = negative ? -micros : micros
                index += 1
                continue
            }
            guard let value = Int(word), index + 1 < words.count else { return nil }
            let unit = words[index + 1].lowercased()
            switch unit {
            case _ where unit.hasPrefix("year"): fields.years = value
            case _ where unit.hasPrefix("mon"): fields.months = value
            case _ where unit.hasPrefix("day"): fields.days = value
            case _ where unit.hasPrefix("hour"): fields.hours = value
            case _ where unit.hasPrefix("min"): fields.minutes = value
            case _ where unit.hasPrefix("sec"): fields.seconds = Int64(value)
            default: return nil
            }
            index += 2
        }
        return DebeziumTemporal.intervalMicros(fields)
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}

extension DebeziumValues {
    /// What Debezium writes for a TOASTed value an update left unchanged (and whose old value
    /// it does not have): its placeholder `__debezium_unavailable_value` as the column's type
    /// holds it: the text; its bytes for `bytea`; for some arrays one element (the text, the
    /// bytes, a UUID made from the bytes) or the bytes as numbers.
    public static func unchangedToast(typeOID: UInt32) -> JSONValue {
        switch typeOID {
        case PGTypeOID.bytea:
            return .string(Base64.encode(unavailableValuePlaceholder.utf8))
        case PGTypeOID.textArray, PGTypeOID.varcharArray, PGTypeOID.bpcharArray, PGTypeOID.jsonArray, PGTypeOID.jsonbArray:
            return .array([.string(unavailableValuePlaceholder)])
        case PGTypeOID.byteaArray:
            return .array([.string(Base64.encode(unavailableValuePlaceholder.utf8))])
        case PGTypeOID.int4Array, PGTypeOID.dateArray, PGTypeOID.int8Array:
            return .array(unavailableValuePlaceholder.utf8.map { .integer($0) })
        case PGTypeOID.uuidArray:
            // java.util.UUID.nameUUIDFromBytes of the placeholder's bytes.
            return .array([.string("b68a35a7-17ad-35b3-af2a-ae46edb4545a")])
        default:
            return .string(unavailableValuePlaceholder)
        }
    }
}
