extension JSONValue {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number's exact text, for callers that must not round (numeric, LSNs).
    public var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The number as an `Int64` when its text is a plain integer in range. `"1.0"` and
    /// `"1e3"` give nil: the envelope's integer fields are written without fraction or
    /// exponent, and accepting them would hide a broken producer.
    public var int64Value: Int64? {
        guard case .number(let text) = self else { return nil }
        return Int64(text, radix: 10)
    }

    /// As ``int64Value`` but unsigned: LSNs use the whole 64-bit range.
    public var uint64Value: UInt64? {
        guard case .number(let text) = self else { return nil }
        return UInt64(text, radix: 10)
    }

    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text, radix: 10)
    }

    /// The number as the nearest `Double` (may round; use ``numberText`` to keep it exact).
    public var doubleValue: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    /// The field `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
