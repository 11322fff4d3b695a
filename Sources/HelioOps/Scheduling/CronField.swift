/// One of the five fields of a cron expression, parsed into the set of values it allows.
///
/// Grammar (Vixie cron): a comma-separated list of items; an item is `*`, a value, or a range
/// `a-b`, optionally followed by `/step`. `a/step` means `a-<last>/step`. Months and weekdays
/// accept three-letter English names (`JAN`, `MON`, any case); weekday 7 is Sunday like 0.
public struct CronField: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case minute, hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value a name stands for: months count from 1, weekdays from 0 (Sunday).
        var firstNameValue: Int { self == .month ? 1 : 0 }
    }

    public let kind: Kind
    /// Bit n set: value n allowed. Weekday 7 is folded into 0.
    public let bits: UInt64
    /// The field began with `*` (`*` or `*/n`): for the day fields this decides the
    /// day-of-month/day-of-week rule, as in Vixie cron.
    public let isWildcard: Bool

    public func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value at or after `value`, if any.
    public func next(atOrAfter value: Int) -> Int? {
        guard value <= 63 else { return nil }
        let shift = UInt64(max(value, 0))
        let remaining = (bits >> shift) << shift
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    public var first: Int? { bits == 0 ? nil : bits.trailingZeroBitCount }

    public init(_ text: String, kind: Kind) throws(CronError) {
        func fail(_ problem: String) -> CronError { CronError(field: kind.rawValue, text: text, problem: problem) }
        guard !text.isEmpty else { throw fail("is empty") }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("has an empty list item") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw fail("'\(item)' has more than one '/'") }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0 else { throw fail("step '\(parts[1])' is not a positive number") }
                guard parsed <= kind.range.upperBound else { throw fail("step \(parsed) is larger than \(kind.range.upperBound)") }
                step = parsed
            }
            let span = parts[0]
            var low: Int, high: Int
            if span == "*" {
                (low, high) = (kind.range.lowerBound, kind.range.upperBound)
                if kind == .dayOfWeek { high = 6 } // 7 would repeat Sunday
            } else if let dash = span.firstIndex(of: "-") {
                low = try Self.value(span[..<dash], kind: kind, fail: fail)
                high = try Self.value(span[span.index(after: dash)...], kind: kind, fail: fail)
                guard low <= high else { throw fail("range \(span) runs backwards") }
            } else {
                low = try Self.value(span, kind: kind, fail: fail)
                // `5/15` means from 5 to the end in steps of 15.
                high = parts.count == 2 ? (kind == .dayOfWeek ? 6 : kind.range.upperBound) : low
            }
            for value in stride(from: low, through: high, by: step) {
                bits |= 1 << UInt64(kind == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        self.kind = kind
        self.bits = bits
        self.isWildcard = text.hasPrefix("*")
    }

    private static func value(_ text: Substring, kind: Kind, fail: (String) -> CronError) throws(CronError) -> Int {
        guard !text.isEmpty else { throw fail("has a range with a missing end") }
        if let number = Int(text) {
            guard kind.range.contains(number) else {
                throw fail("\(number) is outside \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let index = kind.names.firstIndex(of: text.uppercased()) { return index + kind.firstNameValue }
        let expected = kind.names.isEmpty ? "a number" : "a number or one of \(kind.names.joined(separator: ","))"
        throw fail("'\(text)' is not \(expected)")
    }
}
