/// A typed fact value in PostgreSQL's binary COPY form (the `*_recv` functions' input), so the
/// warehouse does not parse timestamps and decimals from text: binary COPY of the typed rows
/// costs the server about a third of text COPY. Values come from `FactValueText`, which
/// validates their form and range while it reads them.
enum FactValueBinary: Equatable {
    case bigint(Int64)
    /// Microseconds since 2000-01-01 00:00 UTC.
    case timestamptz(Int64)
    /// Days since 2000-01-01.
    case date(Int32)
    /// `numeric_send`'s layout after the length: ndigits, weight, sign, dscale, base-10,000 digits.
    case numeric([UInt8])

    /// 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01.
    static let postgresEpochDays: Int64 = 10_957

    /// Appends the field: its length, then its bytes.
    func write(into buffer: inout [UInt8]) {
        switch self {
        case .bigint(let value), .timestamptz(let value):
            buffer.appendBigEndian(Int32(8))
            buffer.appendBigEndian(value)
        case .date(let value):
            buffer.appendBigEndian(Int32(4))
            buffer.appendBigEndian(value)
        case .numeric(let bytes):
            buffer.appendBigEndian(Int32(bytes.count))
            buffer.append(contentsOf: bytes)
        }
    }

    /// `-?digits(.digits)?` (validated) as numeric: the digits in groups of four around the
    /// point, weight = the first group's power of 10,000, dscale = the digits after the point.
    static func numeric(decimal bytes: [UInt8]) -> [UInt8] {
        let negative = bytes.first == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        let point = bytes.firstIndex(of: UInt8(ascii: ".")) ?? bytes.count
        let integer = bytes[start..<point]
        let fraction = point < bytes.count ? bytes[(point + 1)...] : []
        var groups: [Int16] = []
        groups.reserveCapacity((integer.count + fraction.count) / 4 + 2)
        var group = 0
        var filled = (4 - integer.count % 4) % 4 // leading zeros that complete the first group
        for digit in integer {
            group = group * 10 + Int(digit - 48)
            filled += 1
            if filled == 4 { groups.append(Int16(group)); group = 0; filled = 0 }
        }
        var weight = groups.count - 1
        for digit in fraction {
            group = group * 10 + Int(digit - 48)
            filled += 1
            if filled == 4 { groups.append(Int16(group)); group = 0; filled = 0 }
        }
        if filled > 0 {
            for _ in filled..<4 { group *= 10 }
            groups.append(Int16(group))
        }
        var first = 0
        while first < groups.count, groups[first] == 0 { first += 1; weight -= 1 }
        var last = groups.count
        while last > first, groups[last - 1] == 0 { last -= 1 }
        let digits = groups[first..<last]
        var output: [UInt8] = []
        output.reserveCapacity(8 + 2 * digits.count)
        output.appendBigEndian(Int16(digits.count))
        output.appendBigEndian(Int16(digits.isEmpty ? 0 : weight))
        output.appendBigEndian(UInt16(negative && !digits.isEmpty ? 0x4000 : 0))
        output.appendBigEndian(UInt16(fraction.count))
        for digit in digits { output.appendBigEndian(digit) }
        return output
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
