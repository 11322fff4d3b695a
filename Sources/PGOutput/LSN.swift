/// A position in the write-ahead log.
///
/// PostgreSQL writes it as two hexadecimal halves, `16/B374D848`: the high and low 32 bits,
/// upper case and without leading zeros. The same text is accepted back, in either case.
public struct LSN: Comparable, Hashable, Sendable {
    public var value: UInt64

    /// `0/0`: PostgreSQL's InvalidXLogRecPtr, which status updates use for "unknown".
    public static let invalid = LSN(0)

    @inlinable
    public init(_ value: UInt64) {
        self.value = value
    }

    @inlinable
    public static func < (lhs: LSN, rhs: LSN) -> Bool {
        lhs.value < rhs.value
    }
}

extension LSN: LosslessStringConvertible {
    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/"
            + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// Parses `X/X` text as `pg_lsn` does: 1 to 8 hex digits on each side of the slash.
    public init?(_ text: String) {
        self.init(parsing: text)
    }

    public init?(parsing text: some StringProtocol) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2,
              let high = LSN.parseHalf(parts[0]),
              let low = LSN.parseHalf(parts[1])
        else { return nil }
        self.init(UInt64(high) << 32 | UInt64(low))
    }

    // Hand-rolled so that "+1" or " 1", which UInt32(_:radix:) would accept, are refused.
    private static func parseHalf(_ digits: some Collection<UInt8>) -> UInt32? {
        guard (1...8).contains(digits.count) else { return nil }
        var result: UInt32 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            result = result << 4 | UInt32(nibble)
        }
        return result
    }
}
