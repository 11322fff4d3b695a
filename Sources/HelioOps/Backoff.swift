import Foundation

/// Exponential backoff with full jitter, capped, for reconnect loops.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double
    public private(set) var attempt = 0

    public init(base: Double = 0.5, cap: Double = 30) {
        self.base = base
        self.cap = cap
    }

    /// Seconds to wait before the next attempt.
    public mutating func next() -> Double {
        let ceiling = min(cap, base * pow(2, Double(attempt)))
        attempt += 1
        return Double.random(in: ceiling / 2...ceiling)
    }

    public mutating func reset() { attempt = 0 }

    /// Sleeps `seconds` in small steps so a stop request is noticed quickly.
    public static func sleep(_ seconds: Double, unless shouldStop: () -> Bool) {
        var remaining = seconds
        while remaining > 0 && !shouldStop() {
            let step = min(remaining, 0.1)
            usleep(UInt32(step * 1_000_000))
            remaining -= step
        }
    }
}
