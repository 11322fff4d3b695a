/// `real` and `double precision` as JSON numbers in shortest round-trip form.
///
/// PostgreSQL 12+ already prints shortest round-trip text with the default
/// `extra_float_digits = 1`, but a session may lower it and get rounded text. Parsing and
/// re-printing with Swift's shortest formatter gives the same output whatever the
/// server's setting, and re-printing a float4 as a `Float` keeps it from growing the
/// digits of its widened `Double` (0.1 stays 0.1, not 0.10000000149011612).
enum PGFloatText {
    static func float8(_ text: String) -> JSONValue {
        guard let value = Double(text) else { return .string(text) }
        if let special = nonFinite(value.isNaN, value.isInfinite, value.sign) { return special }
        return .number(jsonNumber(value.description))
    }

    static func float4(_ text: String) -> JSONValue {
        guard let value = Float(text) else { return .string(text) }
        if let special = nonFinite(value.isNaN, value.isInfinite, value.sign) { return special }
        return .number(jsonNumber(value.description))
    }

    /// JSON has no NaN or infinity: they go as the strings PostgreSQL itself prints, which
    /// is also how Debezium-style consumers expect them.
    private static func nonFinite(_ isNaN: Bool, _ isInfinite: Bool, _ sign: FloatingPointSign) -> JSONValue? {
        if isNaN { return .string("NaN") }
        if isInfinite { return .string(sign == .minus ? "-Infinity" : "Infinity") }
        return nil
    }

    /// Swift's `description` is shortest round-trip and valid JSON ("1e-07", "1e+20",
    /// "-0.0"), except that whole numbers end in ".0", which we drop for the integer look
    /// PostgreSQL and Debezium give them ("100", "-0").
    static func jsonNumber(_ description: String) -> String {
        description.hasSuffix(".0") ? String(description.dropLast(2)) : description
    }
}
