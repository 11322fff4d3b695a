/// `numeric` as Debezium encodes it with `decimal.handling.mode=precise` (its default):
/// Kafka Connect's `Decimal`, which JSON carries as base64 of the unscaled value's minimal
/// big-endian two's-complement bytes (Java's `BigInteger.toByteArray`). A column with a
/// declared scale (`numeric(10,3)`) gives that string alone, e.g. `123.456` → `"AeJA"`; a
/// column without one (`numeric`) gives Debezium's `VariableScaleDecimal`
/// `{"scale":4,"value":"B1vNFQ=="}` with trailing fraction zeros removed first.
///
/// NaN and ±Infinity have no `Decimal` form: Debezium stops the connector on them in this
/// mode; Helio writes null (``encode(_:scale:)`` returns nil). The `double` and `string` modes
/// are in `DebeziumDecimal+Modes.swift`.
public enum DebeziumDecimal {
    /// The parts of a decimal's text: sign, all digits without the point, digits after it.
    struct Parsed: Equatable {
        var negative: Bool
        var digits: [UInt8]   // ASCII digits, leading zeros removed (empty for zero)
        var scale: Int
    }

    static func parse(_ text: String) -> Parsed? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() } else if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        var scale = 0
        var seenPoint = false
        var exponent = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits.append(byte)
                if seenPoint { scale += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                guard let value = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)) else { return nil }
                exponent = value
                break
            } else {
                return nil
            }
            index += 1
        }
        guard !digits.isEmpty else { return nil }
        scale -= exponent
        if scale < 0 {
            digits.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -scale))
            scale = 0
        }
        while digits.first == UInt8(ascii: "0") { digits.removeFirst() }
        if digits.isEmpty { negative = false }
        return Parsed(negative: negative, digits: digits, scale: scale)
    }

    /// A column with a declared scale: base64 of the unscaled bytes at that scale.
    public static func encode(_ text: String, scale: Int) -> String? {
        if var small = small(text), small.scale <= scale {
            // The common case, without arrays: up to 18 digits, rescaled in 64 bits.
            while small.scale < scale {
                let (product, overflow) = small.value.multipliedReportingOverflow(by: 10)
                if overflow { break }
                small.value = product
                small.scale += 1
            }
            if small.scale == scale { return base64(small.value) }
        }
        guard var parsed = parse(text) else { return nil }
        rescale(&parsed, to: scale)
        return Base64.encode(twosComplement(parsed))
    }

    /// A column without a declared scale: `{"scale":s,"value":base64}`.
    public static func encodeVariableScale(_ text: String) -> JSONValue? {
        if var small = small(text) {
            while small.scale > 0, small.value % 10 == 0 {
                small.value /= 10
                small.scale -= 1
            }
            if small.value == 0 { small.scale = 0 }
            return .object(JSONObject([("scale", .integer(small.scale)), ("value", .string(base64(small.value)))]))
        }
        guard var parsed = parse(text) else { return nil }
        // BigDecimal.stripTrailingZeros, then a negative scale back to 0.
        while parsed.scale > 0, parsed.digits.last == UInt8(ascii: "0") {
            parsed.digits.removeLast()
            parsed.scale -= 1
        }
        if parsed.digits.isEmpty { parsed.scale = 0 }
        return variableScale(parsed)
    }

    static func variableScale(_ parsed: Parsed) -> JSONValue {
        .object(JSONObject([("scale", .integer(parsed.scale)), ("value", .string(Base64.encode(twosComplement(parsed))))]))
    }

    /// A plain decimal (`-12.345`) of at most 18 digits as its unscaled value and scale; nil
    /// for anything else (longer, exponents, NaN), which the general path takes.
    static func small(_ text: String) -> (value: Int64, scale: Int)? {
        var value: Int64 = 0
        var digits = 0
        var scale = 0
        var negative = false
        var seenPoint = false
        var first = true
        for byte in text.utf8 {
            defer { first = false }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if value != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 18 else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                if seenPoint { scale += 1 }
            case UInt8(ascii: "."):
                guard !seenPoint else { return nil }
                seenPoint = true
            case UInt8(ascii: "-") where first:
                negative = true
            default:
                return nil
            }
        }
        guard !first else { return nil }
        return (negative ? -value : value, scale)
    }

    /// Base64 of `BigInteger.valueOf(value).toByteArray()`: the fewest big-endian two's-complement bytes.
    /// Written straight into the string: at most 12 characters, a small string, so a value
    /// costs no allocation (capture encodes one per numeric column of every row).
    static func base64(_ value: Int64) -> String {
        var count = 1
        while count < 8 {
            let bits = Int64(count * 8)
            let low = -(Int64(1) << (bits - 1))
            if value >= low && value < -low { break }
            count += 1
        }
        func byte(_ index: Int) -> UInt32 {
            index < count ? UInt32(UInt8(truncatingIfNeeded: value >> Int64(8 * (count - 1 - index)))) : 0
        }
        return String(unsafeUninitializedCapacity: (count + 2) / 3 * 4) { out in
            var written = 0
            for start in stride(from: 0, to: count, by: 3) {
                let chunk = byte(start) << 16 | byte(start + 1) << 8 | byte(start + 2)
                let significant = min(count - start, 3) + 1
                for position in 0..<4 {
                    out[written] = position < significant ? base64Digit(chunk >> UInt32(18 - 6 * position) & 0x3F) : UInt8(ascii: "=")
                    written += 1
                }
            }
            return written
        }
    }

    /// The base64 alphabet's character for a sextet.
    static func base64Digit(_ sextet: UInt32) -> UInt8 {
        let value = UInt8(truncatingIfNeeded: sextet)
        switch value {
        case 0..<26: return UInt8(ascii: "A") + value
        case 26..<52: return UInt8(ascii: "a") + value - 26
        case 52..<62: return UInt8(ascii: "0") + value - 52
        case 62: return UInt8(ascii: "+")
        default: return UInt8(ascii: "/")
        }
    }

    /// Zero, as a declared-scale column's fallback: `AA==`.
    public static let zero = "AA=="

    /// Moves to `scale` (PostgreSQL prints a declared-scale column at its scale; a longer
    /// fraction is rounded half-even, as `BigDecimal.setScale` would refuse to, never happens).
    static func rescale(_ parsed: inout Parsed, to scale: Int) {
        if parsed.scale < scale {
            if !parsed.digits.isEmpty { parsed.digits.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - parsed.scale)) }
            parsed.scale = scale
        } else if parsed.scale > scale {
            let drop = parsed.scale - scale
            parsed.digits.removeLast(min(drop, parsed.digits.count))
            parsed.scale = scale
            while parsed.digits.first == UInt8(ascii: "0") { parsed.digits.removeFirst() }
            if parsed.digits.isEmpty { parsed.negative = false }
        }
    }

    /// Java's `BigInteger.toByteArray()` of the signed unscaled value: the fewest bytes that
    /// hold it with a sign bit, big-endian (zero is one 0x00 byte).
    static func twosComplement(_ parsed: Parsed) -> [UInt8] {
        var magnitude = magnitudeBytes(parsed.digits)
        if !parsed.negative {
            if magnitude.isEmpty { return [0] }
            if magnitude[0] & 0x80 != 0 { magnitude.insert(0, at: 0) }
            return magnitude
        }
        // Two's complement of the magnitude over its own width, then a 0xFF if the sign bit is clear.
        var carry: UInt16 = 1
        for index in magnitude.indices.reversed() {
            let sum = UInt16(~magnitude[index]) + carry
            magnitude[index] = UInt8(truncatingIfNeeded: sum)
            carry = sum >> 8
        }
        if magnitude[0] & 0x80 == 0 { magnitude.insert(0xFF, at: 0) }
        return magnitude
    }

    /// Base 10 ASCII digits to base 256, big-endian, no leading zero bytes.
    static func magnitudeBytes(_ digits: [UInt8]) -> [UInt8] {
        if digits.count <= 18 {
            var value: UInt64 = 0
            for digit in digits { value = value * 10 + UInt64(digit - UInt8(ascii: "0")) }
            var bytes: [UInt8] = []
            while value > 0 {
                bytes.append(UInt8(truncatingIfNeeded: value))
                value >>= 8
            }
            return bytes.reversed()
        }
        // Little-endian limbs of 32 bits, multiplied by 10 and added to, digit by digit.
        var limbs: [UInt32] = []
        for digit in digits {
            var carry = UInt64(digit - UInt8(ascii: "0"))
            for index in limbs.indices {
                let product = UInt64(limbs[index]) * 10 + carry
                limbs[index] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            if carry > 0 { limbs.append(UInt32(carry)) }
        }
        var bytes: [UInt8] = []
        for limb in limbs {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: limb >> UInt32(shift))) }
        }
        while bytes.last == 0 { bytes.removeLast() }
        return bytes.reversed()
    }
}
