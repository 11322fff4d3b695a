/// `bytea` text output to base64, the form Debezium uses for binary columns by default.
enum PGByteaText {
    /// Decodes the hex format (`\x0a0bff`, the default since PostgreSQL 9.0) or the legacy
    /// escape format (`bytea_output = escape`: `\\`, `\ooo`, other bytes literal) and
    /// returns base64 of the bytes. Nil when the text is in neither form.
    static func base64(_ text: String) -> String? {
        guard let bytes = decode(Array(text.utf8)) else { return nil }
        return Base64.encode(bytes)
    }

    static func decode(_ text: [UInt8]) -> [UInt8]? {
        if text.count >= 2 && text[0] == UInt8(ascii: "\\") && text[1] == UInt8(ascii: "x") {
            return decodeHex(text.dropFirst(2))
        }
        return decodeEscape(text)
    }

    private static func decodeHex(_ hex: ArraySlice<UInt8>) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func decodeEscape(_ text: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard text[index] == UInt8(ascii: "\\") else {
                bytes.append(text[index])
                index += 1
                continue
            }
            if index + 1 < text.count && text[index + 1] == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                index += 2
                continue
            }
            guard index + 3 < text.count else { return nil }
            var value = 0
            for digit in text[(index + 1)...(index + 3)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
                value = value * 8 + Int(digit - UInt8(ascii: "0"))
            }
            guard value <= 0xFF else { return nil }
            bytes.append(UInt8(value))
            index += 4
        }
        return bytes
    }
}

/// Standard base64 (RFC 4648 §4) with padding.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            appendQuad(chunk, significant: 4, to: &output)
            index += 3
        }
        switch input.count - index {
        case 1: appendQuad(UInt32(input[index]) << 16, significant: 2, to: &output)
        case 2: appendQuad(UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8, significant: 3, to: &output)
        default: break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Writes the four sextets of `chunk`, padding with `=` after `significant` of them.
    private static func appendQuad(_ chunk: UInt32, significant: Int, to output: inout [UInt8]) {
        for position in 0..<4 {
            if position < significant {
                output.append(alphabet[Int(chunk >> UInt32(18 - 6 * position) & 0x3F)])
            } else {
                output.append(UInt8(ascii: "="))
            }
        }
    }
}
