import Foundation
import Synchronization

/// Runs blocking services on dedicated threads (never on Swift's cooperative pool) and
/// waits for all of them. When one fails, the others are asked to stop and the first
/// error is rethrown.
public final class ServiceThreads: Sendable {
    private let failure = Mutex<(any Error)?>(nil)
    private let group = DispatchGroup()
    public let stop: StopSignal

    public init(stop: StopSignal) {
        self.stop = stop
    }

    public func start(_ name: String, _ body: @escaping @Sendable () throws -> Void) {
        group.enter()
        let thread = Thread { [self] in
            defer { group.leave() }
            do {
                try body()
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                stop.set()
            }
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    public func wait() throws {
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
