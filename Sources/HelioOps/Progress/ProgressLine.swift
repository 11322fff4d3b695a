/// One progress line, rendered from numbers alone so it can be tested without a terminal:
/// `[=========>          ] 52% 12,345/23,456 rows 4,100/s ETA 0:03` with a total,
/// `12,345 records 4,100/s 0:12` without one (a rebuild does not know where it ends).
public struct ProgressLine: Sendable, Equatable {
    public var done: Int
    /// nil or 0: unknown.
    public var total: Int?
    public var unit: String
    public var elapsedSeconds: Double

    public init(done: Int, total: Int?, unit: String, elapsedSeconds: Double) {
        self.done = done
        self.total = total
        self.unit = unit
        self.elapsedSeconds = elapsedSeconds
    }

    /// Units per second so far; 0 before any time has passed.
    public var rate: Double { elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0 }

    /// Seconds left at the rate so far; nil without a total or a rate.
    public var remainingSeconds: Double? {
        guard let total, total > 0, rate > 0 else { return nil }
        return max(0, Double(total - done)) / rate
    }

    /// The bar and numbers, `width` characters of bar.
    public func rendered(width: Int = 20) -> String {
        let rateText = "\(Self.grouped(Int(rate.rounded())))/s"
        guard let total, total > 0 else {
            return "\(Self.grouped(done)) \(unit) \(rateText) \(Self.clock(elapsedSeconds, roundingUp: false))"
        }
        let fraction = min(1, max(0, Double(done) / Double(total)))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = filled >= width
            ? String(repeating: "=", count: width)
            : String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled - 1)
        let eta = remainingSeconds.map { Self.clock($0, roundingUp: true) } ?? "-:--"
        return "[\(bar)] \(Int((fraction * 100).rounded(.down)))% \(Self.grouped(done))/\(Self.grouped(total)) \(unit) \(rateText) ETA \(eta)"
    }

    /// `12345` as `12,345`.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return number < 0 ? "-" + result : result
    }

    /// `m:ss`, or `h:mm:ss` from an hour. Time left rounds up (never "0:00" while work
    /// remains), time spent rounds down.
    static func clock(_ seconds: Double, roundingUp: Bool) -> String {
        let whole = Int(seconds.rounded(roundingUp ? .up : .down))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(rest))" : "\(minutes):\(two(rest))"
    }
}
