// Numbers are validated against RFC 8259's grammar but kept as text: `int8` values and
// LSNs exceed a Double's 53 bits, and `1.50` must stay `1.50`.

extension JSONParser {
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as its exact text.
    mutating func parseNumber() throws(JSONParseError) -> String {
        let range = try parseNumberRange()
        return String(decoding: slice(range.lowerBound, range.upperBound), as: UTF8.self)
    }

    /// Checks a number's grammar and returns where its text is, without copying it.
    mutating func parseNumberRange() throws(JSONParseError) -> Range<Int> {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard !atEnd else { throw unexpected() }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            try skipDigits()
        }
        if !atEnd && bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            try skipDigits()
        }
        if !atEnd && (bytes[offset] | 0x20) == UInt8(ascii: "e") {
            offset += 1
            if !atEnd && (bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-")) { offset += 1 }
            try skipDigits()
        }
        return start..<offset
    }

    /// One or more decimal digits.
    private mutating func skipDigits() throws(JSONParseError) {
        let start = offset
        while !atEnd && isDigit(bytes[offset]) { offset += 1 }
        guard offset > start else {
            throw atEnd ? JSONParseError(.unexpectedEnd, at: offset) : JSONParseError(.invalidNumber, at: offset)
        }
    }
}
