import Foundation

/// Where the scheduler reads the time and waits for the next tick: the system clock in
/// production, a hand-driven clock in tests.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns once `deadline` has passed or `shouldStop()` is true, whichever comes first.
    func sleep(until deadline: Date, unless shouldStop: () -> Bool)
}

/// Wall-clock time. Waits in steps of at most 100 ms so a stop request is seen at once, and
/// re-reads the clock each step so a clock adjustment moves the tick with it.
public struct SystemSchedulerClock: SchedulerClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date, unless shouldStop: () -> Bool) {
        while !shouldStop() {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return }
            usleep(UInt32(min(remaining, 0.1) * 1_000_000))
        }
    }
}
