import HelioEvents
import HelioOps

/// A contract `numeric` in Debezium's form with `decimal.handling.mode` `string` or `double`,
/// read back into the contract's decimal text (what Helio's own form carries):
///
/// - `string`: the text Debezium wrote (`BigDecimal.toPlainString()`, already at the column's
///   scale), as it is; Debezium's names of the special values become PostgreSQL's.
/// - `double`: the JSON number's digits (Java's `Double.toString`, `1.23456785E7` included),
///   written out at the column's declared scale, rounded half away from zero as PostgreSQL
///   rounds a cast. A double holds 15–17 significant digits: a value with more (a
///   `numeric(14,4)` above 99,999,999,999.9999 has 18) arrived already rounded by capture, and
///   is applied as it arrived. `helio verify` reports such rows as different from the source.
enum DecimalModeText {
    static func contractValue(_ column: String, _ value: JSONValue, scale: Int,
                              mode: HelioConfiguration.DecimalHandlingMode) throws(PoisonRecord) -> JSONValue {
        switch (mode, value) {
        case (_, .null), (_, .string(unavailableValuePlaceholder)):
            return value
        case (.string, .string(let text)):
            if let special = special[text] { return .string(special) }
            guard plain(text, scale: scale) != nil else {
                throw PoisonRecord(reason: "\(column): '\(text)' is not a decimal (decimal.handling.mode string)")
            }
            return .string(text)
        case (.double, .number(let text)):
            guard let decimal = plain(text, scale: scale) else {
                throw PoisonRecord(reason: "\(column): \(text) is not a number (decimal.handling.mode double)")
            }
            return .string(decimal)
        case (.double, .string(let text)) where ["NaN", "Infinity", "-Infinity"].contains(text):
            return value
        default:
            throw PoisonRecord(reason: "\(column): \(value) is not a numeric as decimal.handling.mode \(mode.rawValue) writes it "
                               + "(capture.decimal_handling_mode must be the same for capture and apply)")
        }
    }

    /// Debezium's `SpecialValueDecimal` names, as PostgreSQL spells the values.
    static let special = ["NAN": "NaN", "POSITIVE_INFINITY": "Infinity", "NEGATIVE_INFINITY": "-Infinity"]

    /// `-12.5`, `1.0E-7`, `1.23456785E7` as plain text with exactly `scale` fraction digits,
    /// rounded half away from zero; nil for anything that is not such a number.
    static func plain(_ text: String, scale: Int) -> String? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fraction = 0
        var seenPoint = false
        var exponent = 0
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte - UInt8(ascii: "0"))
                if seenPoint { fraction += 1 }
            case UInt8(ascii: ".") where !seenPoint:
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard let value = Int(String(decoding: bytes, as: UTF8.self)), abs(value) < 1_000 else { return nil }
                exponent = value
                bytes = bytes[bytes.endIndex...]
            default:
                return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        // value = digits × 10^(exponent - fraction); bring it to `scale` fraction digits.
        let shift = scale - (fraction - exponent)
        if shift >= 0 {
            digits.append(contentsOf: repeatElement(0, count: shift))
        } else {
            let dropped = min(-shift, digits.count)
            let roundUp = digits[digits.count - dropped] >= 5 && dropped == -shift
            digits.removeLast(dropped)
            if roundUp { increment(&digits) }
        }
        while digits.count > scale + 1, digits.first == 0 { digits.removeFirst() }
        if digits.count <= scale { digits.insert(contentsOf: repeatElement(0, count: scale - digits.count + 1), at: 0) }
        let isZero = digits.allSatisfy { $0 == 0 }
        var out = negative && !isZero ? "-" : ""
        let ascii = digits.map { Character(Unicode.Scalar($0 + UInt8(ascii: "0"))) }
        out += String(ascii[..<(ascii.count - scale)])
        if scale > 0 { out += "." + String(ascii[(ascii.count - scale)...]) }
        return out
    }

    /// Adds one to a base-10 digit string (a carry past the first digit adds a digit).
    private static func increment(_ digits: inout [UInt8]) {
        var index = digits.count - 1
        while index >= 0 {
            if digits[index] < 9 { digits[index] += 1; return }
            digits[index] = 0
            index -= 1
        }
        digits.insert(1, at: 0)
    }
}
