/// Rewrites PostgreSQL's ISO DateStyle output (`2026-11-29 00:27:04.123456+05:30`, the
/// walsender's default) into ISO-8601 (`2026-11-29T00:27:04.123456+05:30`).
///
/// This is text surgery, not a calendar conversion: the server already printed the
/// instant in its own zone, and re-zoning to UTC would need a time-zone database and
/// gain nothing. The fraction is kept exactly as printed (PostgreSQL trims trailing zeros).
enum PGDateTimeText {
    /// `YYYY-MM-DD` as is; a BC date gets ISO's astronomical year (`0044-03-15 BC` →
    /// `-0043-03-15`). Nil when the text is not in that shape (e.g. `infinity`).
    static func isoDate(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        let isBC = stripBC(&bytes)
        guard datePrefixLength(bytes) == bytes.count else { return nil }
        guard isBC else { return text }
        var output: [UInt8] = []
        appendDate(bytes[...], isBC: true, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// `timestamptz` (`withOffset`) or `timestamp` text in ISO-8601. The offset `+00`
    /// becomes `Z`; a bare hour offset gains its minutes (`-08` → `-08:00`); an offset with
    /// seconds (historic local mean time, `+00:19:32`) is kept. Nil for other shapes,
    /// including `infinity`, which the caller keeps as printed.
    static func isoTimestamp(_ text: String, withOffset: Bool) -> String? {
        var bytes = Array(text.utf8)
        let isBC = stripBC(&bytes)
        let dateLength = datePrefixLength(bytes)
        guard dateLength > 0, dateLength < bytes.count, bytes[dateLength] == UInt8(ascii: " ") else { return nil }
        let timeStart = dateLength + 1
        let timeEnd = bytes[timeStart...].firstIndex { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") } ?? bytes.count
        guard isTime(bytes[timeStart..<timeEnd]), withOffset == (timeEnd < bytes.count) else { return nil }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 4)
        appendDate(bytes[..<dateLength], isBC: isBC, to: &output)
        output.append(UInt8(ascii: "T"))
        output.append(contentsOf: bytes[timeStart..<timeEnd])
        if withOffset {
            guard appendOffset(bytes[timeEnd...], to: &output) else { return nil }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Removes a trailing ` BC`, reporting whether there was one.
    private static func stripBC(_ bytes: inout [UInt8]) -> Bool {
        guard bytes.count > 3, bytes.suffix(3).elementsEqual(" BC".utf8) else { return false }
        bytes.removeLast(3)
        return true
    }

    /// The length of a leading `Y{4,}-MM-DD`, or 0.
    private static func datePrefixLength(_ bytes: [UInt8]) -> Int {
        let yearLength = bytes.prefix { isDigit($0) }.count
        let end = yearLength + 6
        guard yearLength >= 4, bytes.count >= end else { return 0 }
        let dash = UInt8(ascii: "-")
        let ok = bytes[yearLength] == dash && isDigit(bytes[yearLength + 1]) && isDigit(bytes[yearLength + 2])
            && bytes[yearLength + 3] == dash && isDigit(bytes[yearLength + 4]) && isDigit(bytes[yearLength + 5])
        return ok ? end : 0
    }

    /// `HH:MM:SS` with an optional `.` and digits.
    private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 8, bytes.count != 9 else { return false }
        let s = bytes.startIndex
        let colon = UInt8(ascii: ":")
        let shapeOK = isDigit(bytes[s]) && isDigit(bytes[s + 1]) && bytes[s + 2] == colon
            && isDigit(bytes[s + 3]) && isDigit(bytes[s + 4]) && bytes[s + 5] == colon
            && isDigit(bytes[s + 6]) && isDigit(bytes[s + 7])
        guard shapeOK, bytes.count > 8 else { return shapeOK }
        return bytes[s + 8] == UInt8(ascii: ".") && bytes[(s + 9)...].allSatisfy(isDigit)
    }

    private static func appendDate(_ date: ArraySlice<UInt8>, isBC: Bool, to output: inout [UInt8]) {
        guard isBC else {
            output.append(contentsOf: date)
            return
        }
        // Year N BC is astronomical year 1 - N: 1 BC is 0000, 44 BC is -0043.
        let yearDigits = date.prefix { isDigit($0) }
        let year = yearDigits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let astronomical = year - 1
        if astronomical > 0 { output.append(UInt8(ascii: "-")) }
        let digits = Array(String(astronomical).utf8)
        output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 4 - digits.count)))
        output.append(contentsOf: digits)
        output.append(contentsOf: date.dropFirst(yearDigits.count))
    }

    /// `±HH`, `±HH:MM` or `±HH:MM:SS` → `Z` when zero, else at least `±HH:MM`.
    private static func appendOffset(_ offset: ArraySlice<UInt8>, to output: inout [UInt8]) -> Bool {
        let parts = offset.dropFirst().split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(isDigit) }) else {
            return false
        }
        if parts.allSatisfy({ $0.allSatisfy { $0 == UInt8(ascii: "0") } }) {
            output.append(UInt8(ascii: "Z"))
            return true
        }
        output.append(contentsOf: offset)
        if parts.count == 1 { output.append(contentsOf: ":00".utf8) }
        return true
    }
}
