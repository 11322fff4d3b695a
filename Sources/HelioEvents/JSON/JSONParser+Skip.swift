// Validating without building: the applier passes most row images to PostgreSQL as the JSON
// text they arrived in, so it only needs to know that the text is valid — and storable in
// jsonb — not what it says. Skipping allocates nothing for the common case (strings
// without escapes), which is most of the cost of decoding a change event.

extension JSONParser {
    /// Moves past one value, checking it as strictly as `parseValue` would. Also refuses the
    /// escape `\u0000`: valid JSON, but jsonb cannot store it, and a batch holding it would
    /// fail as a whole instead of dead-lettering the one record.
    mutating func skipValue() throws(JSONParseError) {
        guard !atEnd else { throw unexpected() }
        switch bytes[offset] {
        case UInt8(ascii: "{"): try skipContainer(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try skipContainer(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw unexpected()
        }
    }

    private mutating func skipContainer(close: UInt8, keyed: Bool) throws(JSONParseError) {
        try enterContainer()
        if !atEnd && bytes[offset] == close {
            offset += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            if keyed {
                guard !atEnd && bytes[offset] == UInt8(ascii: "\"") else { throw unexpected() }
                try skipString()
                skipWhitespace()
                guard !atEnd && bytes[offset] == UInt8(ascii: ":") else { throw unexpected() }
                offset += 1
                skipWhitespace()
            }
            try skipValue()
            skipWhitespace()
            guard !atEnd else { throw unexpected() }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case close: offset += 1; depth -= 1; return
            default: throw unexpected()
            }
        }
    }

    /// A string starting at its opening quote. Strings with escapes go through `parseString`
    /// (rare in row images), which checks every escape and surrogate pair.
    mutating func skipString() throws(JSONParseError) {
        let start = offset
        offset += 1
        let contentStart = offset
        while !atEnd {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                guard isValidUTF8(slice(contentStart, offset)) else { throw JSONParseError(.invalidUTF8, at: start) }
                offset += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                offset = start
                let text = try parseString()
                if text.utf8.contains(0) { throw JSONParseError(.invalidUnicodeEscape, at: start) }
                return
            }
            if byte < 0x20 { throw JSONParseError(.controlCharacterInString, at: offset) }
            offset += 1
        }
        throw JSONParseError(.unexpectedEnd, at: offset)
    }

    private mutating func skipNumber() throws(JSONParseError) {
        _ = try parseNumberRange()
    }
}
