// String literals: the common case (no escapes) becomes a String straight from the input
// bytes; only strings with escapes pay for a scratch buffer.

extension JSONParser {
    /// Parses a string starting at its opening quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = offset
        offset += 1
        let contentStart = offset
        while !atEnd {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let text = try makeString(slice(contentStart, offset), stringStart: start)
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw JSONParseError(.controlCharacterInString, at: offset) }
            offset += 1
        }
        guard !atEnd else { throw JSONParseError(.unexpectedEnd, at: offset) }
        var scratch = Array(slice(contentStart, offset))
        return try parseEscapedRest(into: &scratch, stringStart: start)
    }

    private mutating func parseEscapedRest(into scratch: inout [UInt8], stringStart: Int) throws(JSONParseError) -> String {
        while !atEnd {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return try scratch.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                    try makeString(buffer, stringStart: stringStart)
                }
            case UInt8(ascii: "\\"):
                try parseEscape(into: &scratch)
            case 0..<0x20:
                throw JSONParseError(.controlCharacterInString, at: offset)
            default:
                scratch.append(byte)
                offset += 1
            }
        }
        throw JSONParseError(.unexpectedEnd, at: offset)
    }

    /// Decodes one escape sequence starting at its backslash.
    private mutating func parseEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = offset
        offset += 1
        guard !atEnd else { throw JSONParseError(.unexpectedEnd, at: offset) }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try parseUnicodeEscape(escapeStart: escapeStart)
            scratch.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw JSONParseError(.invalidEscape, at: escapeStart)
        }
    }

    /// The scalar of `\uXXXX` (just past the `u`), joining a UTF-16 surrogate pair
    /// `\uD83D\uDE00` into one scalar. A lone surrogate has no UTF-8 form, so it is an error.
    private mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONParseError) -> Unicode.Scalar {
        let first = try parseHex4(escapeStart: escapeStart)
        switch first {
        case 0xD800...0xDBFF:
            guard offset + 1 < bytes.count,
                  bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
            else { throw JSONParseError(.invalidUnicodeEscape, at: escapeStart) }
            offset += 2
            let second = try parseHex4(escapeStart: escapeStart)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw JSONParseError(.invalidUnicodeEscape, at: escapeStart)
            }
            let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            return Unicode.Scalar(value)!
        case 0xDC00...0xDFFF:
            throw JSONParseError(.invalidUnicodeEscape, at: escapeStart)
        default:
            return Unicode.Scalar(first)!
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard !atEnd else { throw JSONParseError(.unexpectedEnd, at: offset) }
            guard let digit = hexValue(bytes[offset]) else {
                throw JSONParseError(.invalidUnicodeEscape, at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    /// Validates UTF-8 instead of repairing it: a replacement character slipped into a
    /// warehouse row would be silent corruption. Checked by hand because the standard
    /// library's `String(validating:)` is generic and resolves type metadata at run time
    /// on every call, which showed up as the decoder's largest cost.
    private func makeString(_ utf8: UnsafeBufferPointer<UInt8>, stringStart: Int) throws(JSONParseError) -> String {
        guard isValidUTF8(utf8) else { throw JSONParseError(.invalidUTF8, at: stringStart) }
        return String(decoding: utf8, as: UTF8.self)
    }
}

/// RFC 3629 well-formedness: no overlong forms, no surrogates, nothing above U+10FFFF.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    while index < bytes.count {
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        // The second byte's range depends on the lead byte; later ones are 80...BF.
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: return false
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return false }
        for continuation in (index + 2)..<(index + length) where bytes[continuation] & 0xC0 != 0x80 {
            return false
        }
        index += length
    }
    return true
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
