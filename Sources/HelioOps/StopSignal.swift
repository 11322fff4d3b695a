import Synchronization

/// Set once by SIGTERM/SIGINT (the service group's graceful shutdown, `BlockingService`) or by
/// code; every long-running loop polls it and drains.
public final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    public init() {}

    public var isSet: Bool { stopped.load(ordering: .acquiring) }
    public func set() { stopped.store(true, ordering: .releasing) }
}
