import Dispatch
import Glibc
import Synchronization

/// Set once by SIGTERM/SIGINT (or by code); every long-running loop polls it and drains.
public final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    public init() {}

    public var isSet: Bool { stopped.load(ordering: .acquiring) }
    public func set() { stopped.store(true, ordering: .releasing) }

    /// Routes SIGTERM and SIGINT to this signal instead of killing the process.
    public func installHandlers() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in self.set() }
            source.resume()
            Self.sources.append(source)
        }
    }

    /// Kept alive for the life of the process. Written only from `installHandlers`, which
    /// the CLI calls once on the main thread before starting any service.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
}
