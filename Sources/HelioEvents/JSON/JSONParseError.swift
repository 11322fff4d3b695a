/// Why a byte sequence is not a JSON document, and where (byte offset from the start).
///
/// Apply turns these into dead-letter records, so the description must say enough to find
/// the fault without echoing the payload (which may hold personal data).
public struct JSONParseError: Error, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// A number that breaks RFC 8259's grammar (leading zero, bare `.`, `+1`, `1.`).
        case invalidNumber
        /// A backslash followed by something other than `"\/bfnrtu`.
        case invalidEscape
        /// `\u` not followed by four hex digits, or a surrogate without its pair.
        case invalidUnicodeEscape
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// A complete value followed by more than whitespace.
        case trailingData
        /// Arrays and objects nested deeper than the parser's limit.
        case nestingTooDeep
    }

    public var code: Code
    public var offset: Int

    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }
}

extension JSONParseError: CustomStringConvertible {
    public var description: String {
        let what: String
        switch code {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let byte): what = "unexpected byte 0x\(String(byte, radix: 16))"
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence"
        case .invalidUnicodeEscape: what = "invalid \\u escape"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidUTF8: what = "invalid UTF-8 in string"
        case .trailingData: what = "data after the JSON value"
        case .nestingTooDeep: what = "nesting too deep"
        }
        return "JSON parse error at byte \(offset): \(what)"
    }
}
