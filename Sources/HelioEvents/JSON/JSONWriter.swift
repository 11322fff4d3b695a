// Byte-level JSON output. Capture encodes ~200k events/s, so everything here appends to
// one `[UInt8]` buffer: no intermediate Strings, no Foundation.

extension JSONValue {
    /// Appends the compact JSON text of this value to `buffer`.
    public func write(into buffer: inout [UInt8]) {
        switch self {
        case .null:
            buffer.appendASCII("null")
        case .bool(let value):
            buffer.appendASCII(value ? "true" : "false")
        case .number(let text):
            // Trusted: numbers come from the parser or the converters, which emit valid text.
            buffer.append(contentsOf: text.utf8)
        case .string(let text):
            buffer.appendJSONString(text)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                element.write(into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(into: &buffer)
        }
    }

    /// The compact JSON encoding as a new buffer.
    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        write(into: &buffer)
        return buffer
    }
}

extension JSONObject {
    /// Appends `{"key":value,…}` in field order.
    public func write(into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.appendJSONString(field.key)
            buffer.append(UInt8(ascii: ":"))
            field.value.write(into: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }
}

extension Array where Element == UInt8 {
    @inlinable
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    /// Writes the digits without going through `String(value)`, which would allocate once
    /// per field on the hot path: backwards into a buffer on the stack, then appended in one
    /// copy (a Debezium record has about ten numbers: LSNs, times, orders; bench/capture).
    mutating func appendDecimal(_ value: UInt64) {
        if value < 10 {
            append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        withDecimalDigits(value) { append(contentsOf: $0) }
    }

    /// Debezium's processing times, `"ts_ms":…,"ts_us":…,"ts_ns":…`, from one clock reading
    /// (`nanos` ≥ 0). The three are one number cut short: its digits are made once, and the
    /// milliseconds and microseconds are their first digits (19 digits, not 48, per record).
    mutating func appendProcessingTimes(nanos: UInt64) {
        guard nanos >= 1_000_000 else {
            return appendTimeFields(millis: Int64(nanos / 1_000_000), micros: Int64(nanos / 1_000), nanos: Int64(nanos))
        }
        withDecimalDigits(nanos) { digits in
            appendASCII("\"ts_ms\":")
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<(digits.count - 6)]))
            appendASCII(",\"ts_us\":")
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<(digits.count - 3)]))
            appendASCII(",\"ts_ns\":")
            append(contentsOf: digits)
        }
    }

    /// `"ts_ms":…,"ts_us":…,"ts_ns":…` from three values made apart (before 1970, or too
    /// small to share their digits).
    mutating func appendTimeFields(millis: Int64, micros: Int64, nanos: Int64) {
        appendASCII("\"ts_ms\":")
        appendDecimal(millis)
        appendASCII(",\"ts_us\":")
        appendDecimal(micros)
        appendASCII(",\"ts_ns\":")
        appendDecimal(nanos)
    }

    /// Appends `text` as a quoted JSON string. UTF-8 passes through unchanged; only the
    /// quote, the backslash and control characters are escaped (RFC 8259 §7).
    mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        var text = text  // `withUTF8` needs a var; native strings are already contiguous
        text.withUTF8 { appendEscaped($0) }
        append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Copy unescaped runs in one call each: most strings contain nothing to escape.
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") { continue }
            if runStart < index {
                append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): append(UInt8(ascii: "t"))
            case 0x08: append(UInt8(ascii: "b"))
            case 0x0C: append(UInt8(ascii: "f"))
            default:
                appendASCII("u00")
                append(hexDigits[Int(byte >> 4)])
                append(hexDigits[Int(byte & 0x0F)])
            }
            runStart = index + 1
        }
        if runStart < bytes.count {
            append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// `value`'s decimal digits on the stack, two at a time from a table (half the divisions).
func withDecimalDigits<Result>(_ value: UInt64, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var remaining = value
        var index = digits.count
        decimalPairs.withUTF8Buffer { pairs in
            while remaining >= 100 {
                let pair = Int(remaining % 100) &* 2
                remaining /= 100
                index -= 2
                digits[index] = pairs[pair]
                digits[index + 1] = pairs[pair + 1]
            }
            if remaining >= 10 {
                let pair = Int(remaining) &* 2
                index -= 2
                digits[index] = pairs[pair]
                digits[index + 1] = pairs[pair + 1]
            } else {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining)
            }
        }
        return body(UnsafeBufferPointer(rebasing: digits[index...]))
    }
}

/// "00" "01" … "99", two ASCII digits each (a literal: no lazy global to initialize).
private let decimalPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
