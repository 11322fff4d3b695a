/// A Java `.properties` file, read the way `java.util.Properties.load` reads it, which is
/// how Kafka Connect reads a connector's file: `key=value`, `key: value` or `key value`;
/// `#` and `!` start a comment line; a line ending in an odd number of backslashes goes on
/// at the next line; `\t`, `\n`, `\r`, `\f`, `\uXXXX` and `\<any>` escapes. Each entry keeps
/// the line it started on, for messages.
public struct JavaProperties: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    /// In file order; a key given twice keeps both here (the mapping refuses the repeat).
    public let entries: [Entry]

    public init(text: String) {
        var entries: [Entry] = []
        var logical = ""
        var startLine = 0
        var continuing = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
            if !continuing {
                if line.isEmpty || line.first == "#" || line.first == "!" { continue }
                startLine = index + 1
                logical = ""
            }
            let trailingBackslashes = line.reversed().prefix { $0 == "\\" }.count
            continuing = trailingBackslashes % 2 == 1
            logical += continuing ? String(line.dropLast()) : String(line)
            if !continuing {
                entries.append(Self.entry(logical, line: startLine))
            }
        }
        if continuing { entries.append(Self.entry(logical, line: startLine)) }
        self.entries = entries
    }

    /// Splits a logical line at the first unescaped `=`, `:` or whitespace; whitespace (and
    /// one separator) after the key is skipped.
    static func entry(_ line: String, line number: Int) -> Entry {
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "\\" { index += 2; continue }
            if character == "=" || character == ":" || character == " " || character == "\t" || character == "\u{0C}" { break }
            index += 1
        }
        let key = String(characters[0..<min(index, characters.count)])
        var valueStart = index
        while valueStart < characters.count, characters[valueStart] == " " || characters[valueStart] == "\t" || characters[valueStart] == "\u{0C}" {
            valueStart += 1
        }
        if valueStart < characters.count, characters[valueStart] == "=" || characters[valueStart] == ":" {
            valueStart += 1
            while valueStart < characters.count, characters[valueStart] == " " || characters[valueStart] == "\t" || characters[valueStart] == "\u{0C}" {
                valueStart += 1
            }
        }
        let value = valueStart < characters.count ? String(characters[valueStart...]) : ""
        return Entry(key: unescape(key), value: unescape(value), line: number)
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var characters = text.makeIterator()
        while let character = characters.next() {
            guard character == "\\" else { result.append(character); continue }
            guard let escaped = characters.next() else { break }
            switch escaped {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                var hex = ""
                for _ in 0..<4 { if let digit = characters.next() { hex.append(digit) } }
                if let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += "\\u" + hex
                }
            default: result.append(escaped)
            }
        }
        return result
    }
}
