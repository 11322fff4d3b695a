/// Reads `source.ts_us` (the source commit time, exact microseconds) from a change event's
/// JSON without parsing the whole envelope: at 20,000 events/s a full decode would take CPU
/// from the pipeline being measured on a small machine.
enum CommitTime {
    private static let key = Array(#""ts_us":"#.utf8)

    /// The envelope writes `source` after `before` and `after`, and `ts_us` exists only in
    /// `source`, so the last occurrence is the one (a row column of that name would come earlier).
    static func micros(inEvent value: [UInt8]) -> Int64? {
        guard value.count > key.count else { return nil }
        var start = value.count - key.count
        while start >= 0 {
            if value[start] == key[0] && value[start..<(start + key.count)].elementsEqual(key) {
                return number(in: value, from: start + key.count)
            }
            start -= 1
        }
        return nil
    }

    private static func number(in value: [UInt8], from index: Int) -> Int64? {
        var result: Int64 = 0
        var digits = 0
        var position = index
        while position < value.count, value[position] >= UInt8(ascii: "0"), value[position] <= UInt8(ascii: "9") {
            result = result * 10 + Int64(value[position] - UInt8(ascii: "0"))
            digits += 1
            position += 1
        }
        return digits > 0 ? result : nil
    }
}
