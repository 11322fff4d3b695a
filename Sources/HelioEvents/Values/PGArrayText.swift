/// PostgreSQL array text output (`{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`,
/// `[0:1]={1,2}`) to nested JSON arrays whose elements go through the converter.
///
/// The grammar is `array_out`'s: elements separated by `,` (the delimiter of every type in
/// ``PGTypeOID/elementType(ofArray:)``); an element is quoted when it contains special
/// characters, with `\` escaping inside quotes; an unquoted `NULL` is SQL null while a
/// quoted `"NULL"` is the text.
struct PGArrayText {
    /// PostgreSQL's own limit (MAXDIM); deeper input is not array output.
    static let maxDimensions = 6

    private let bytes: [UInt8]
    private let element: (String) -> JSONValue
    private var index = 0

    static func parse(_ text: String, elementType: UInt32) -> JSONValue? {
        parse(text) { PGValueConverter.convert($0, typeOID: elementType) }
    }

    /// As above, each non-null element's text turned into JSON by `element`.
    static func parse(_ text: String, element: @escaping (String) -> JSONValue) -> JSONValue? {
        var parser = PGArrayText(bytes: Array(text.utf8), element: element)
        return parser.parseDocument()
    }

    private init(bytes: [UInt8], element: @escaping (String) -> JSONValue) {
        self.bytes = bytes
        self.element = element
    }

    private mutating func parseDocument() -> JSONValue? {
        // Arrays with non-default lower bounds carry a dimension decoration; JSON has no
        // place for bounds, so only the elements are kept.
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            index = equals + 1
        }
        guard let array = parseArray(depth: 1) else { return nil }
        skipWhitespace()
        // Not a ternary: with `JSONValue: ExpressibleByNilLiteral`, `cond ? array : nil`
        // would type-check as a JSON null instead of a failed parse.
        guard index == bytes.count else { return nil }
        return array
    }

    private mutating func parseArray(depth: Int) -> JSONValue? {
        guard depth <= Self.maxDimensions, peek == UInt8(ascii: "{") else { return nil }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "{"):
                guard let nested = parseArray(depth: depth + 1) else { return nil }
                elements.append(nested)
            case UInt8(ascii: "\""):
                guard let text = parseQuoted() else { return nil }
                elements.append(element(text))
            case nil:
                return nil
            default:
                guard let text = parseUnquoted() else { return nil }
                let isNull = text.count == 4 && text.lowercased() == "null"
                elements.append(isNull ? .null : element(text))
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .array(elements)
            default: return nil
            }
        }
    }

    private mutating func parseQuoted() -> String? {
        index += 1
        var text: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return nil }
                text.append(escaped)
                index += 1
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// Up to the next `,` or `}`, trimming trailing whitespace (as `array_in` does).
    private mutating func parseUnquoted() -> String? {
        var text: [UInt8] = []
        while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") {
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "\"") { return nil }
            index += 1
            if byte == UInt8(ascii: "\\") {
                guard let escaped = peek else { return nil }
                text.append(escaped)
                index += 1
            } else {
                text.append(byte)
            }
        }
        while let last = text.last, isArrayWhitespace(last) { text.removeLast() }
        return text.isEmpty ? nil : String(decoding: text, as: UTF8.self)
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, isArrayWhitespace(byte) { index += 1 }
    }

    private func isArrayWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
