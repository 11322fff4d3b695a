import Dispatch
import Foundation
import Glibc
import Synchronization

/// A flag every loop of the probe checks: set by Ctrl-C/SIGTERM, by the probe when it is
/// done, or by a reader thread that failed.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }

    /// Routes SIGINT and SIGTERM here, so an interrupted run still stops its threads and
    /// leaves the bench script to clean up.
    func installSignalHandlers() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in set() }
            source.resume()
            Self.sources.append(source)
        }
    }

    /// Kept alive for the life of the process; written only by `installSignalHandlers`,
    /// which the probe calls once on the main thread before starting any other thread.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
}

/// The readers run on threads of their own (their libpq and librdkafka calls block); the
/// first failure stops the others and is rethrown by `wait`.
final class ReaderThreads: Sendable {
    private let group = DispatchGroup()
    private let failure = Mutex<(any Error)?>(nil)
    let stop: StopFlag

    init(stop: StopFlag) { self.stop = stop }

    func start(_ name: String, _ body: @escaping @Sendable () throws -> Void) {
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
        thread.start()
    }

    func wait() throws {
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
