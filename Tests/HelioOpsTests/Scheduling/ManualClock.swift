import Foundation
import HelioOps
import Synchronization

/// A clock the test moves by hand. The scheduler's `sleep` returns once the test has moved
/// the time past the deadline; `sleeping` tells the test the loop is waiting for it.
final class ManualClock: SchedulerClock {
    private struct State {
        var now: Date
        var deadline: Date?
    }
    private let state: Mutex<State>

    init(_ start: Date) { state = Mutex(State(now: start)) }

    func now() -> Date { state.withLock { $0.now } }

    func sleep(until deadline: Date, unless shouldStop: () -> Bool) {
        state.withLock { $0.deadline = deadline }
        defer { state.withLock { $0.deadline = nil } }
        while !shouldStop() && now() < deadline { usleep(2_000) }
    }

    /// The deadline the scheduler is waiting for, if it is waiting.
    var sleeping: Date? { state.withLock { $0.deadline } }

    func advance(to date: Date) { state.withLock { $0.now = date } }
    func advance(by seconds: Double) { state.withLock { $0.now.addTimeInterval(seconds) } }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds, for at most `seconds`.
func waitFor(_ what: String, within seconds: Double = 10, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw TimedOut(what: what) }
        usleep(2_000)
    }
}
