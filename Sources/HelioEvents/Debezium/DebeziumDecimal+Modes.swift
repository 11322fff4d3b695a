/// `numeric` in Debezium's two other `decimal.handling.mode`s (its `SpecialValueDecimal`):
///
/// | PostgreSQL | `double` | `string` |
/// |---|---|---|
/// | `123.456` | `123.456` | `"123.456"` |
/// | `5.000` | `5.0` | `"5.000"` |
/// | `NaN` | `"NaN"` | `"NAN"` |
/// | `Infinity` / `-Infinity` | `"Infinity"` / `"-Infinity"` | `"POSITIVE_INFINITY"` / `"NEGATIVE_INFINITY"` |
///
/// Unlike `precise`, both modes can carry the special values, so Debezium does not stop on them.
extension DebeziumDecimal {
    /// `double`: `BigDecimal.doubleValue()` (correctly rounded, as Swift's parser is) in Java's
    /// `Double.toString`. A JSON number, except what Jackson writes as a string: NaN, ±Infinity
    /// (also a value too large for a double).
    public static func double(_ text: String) -> JSONValue? {
        switch text {
        case "NaN": return .string("NaN")
        case "Infinity": return .string("Infinity")
        case "-Infinity": return .string("-Infinity")
        default: break
        }
        guard parse(text) != nil, let value = Double(text) else { return nil }
        // A BigDecimal has no negative zero: -0.00 is 0.0.
        let number = value == 0 ? 0 : value
        return number.isFinite ? .number(JavaNumberText.double(number)) : .string(JavaNumberText.double(number))
    }

    /// `string`: `BigDecimal.toPlainString()` of the value at the column's declared scale (nil:
    /// as printed, trailing zeros kept), or the special value's name.
    public static func plainString(_ text: String, scale: Int?) -> String? {
        switch text {
        case "NaN": return "NAN"
        case "Infinity": return "POSITIVE_INFINITY"
        case "-Infinity": return "NEGATIVE_INFINITY"
        default: break
        }
        guard var parsed = parse(text) else { return nil }
        if let scale { rescale(&parsed, to: scale) }
        return plainText(parsed)
    }

    /// Digits with the point `scale` places from the right, a `0` before a point with nothing
    /// before it, and the sign (none for zero).
    static func plainText(_ parsed: Parsed) -> String {
        var digits = parsed.digits
        if digits.count <= parsed.scale {
            digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: parsed.scale - digits.count + 1), at: 0)
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 2)
        if parsed.negative { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: digits[..<(digits.count - parsed.scale)])
        if parsed.scale > 0 {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[(digits.count - parsed.scale)...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
