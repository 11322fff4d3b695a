import Foundation
import HelioOps
import ServiceLifecycle

/// A blocking service loop (capture, apply, the scheduled checks, the demo workload) as a
/// swift-service-lifecycle `Service`. `run()` hands the loop to a dedicated thread (it blocks
/// in libpq and librdkafka, never on the cooperative pool) and maps the group's graceful
/// shutdown (SIGTERM, SIGINT) and cancellation to the `StopSignal` the loop polls, so the
/// loops drain as they do under `ServiceThreads` (the tests' harnesses).
///
/// All services of a process share one `StopSignal`: a stop asked of one is a stop of all, and
/// they drain in parallel. A loop that fails sets it too, so the others drain at once while
/// the group shuts them down.
struct BlockingService: Service, CustomStringConvertible {
    let name: String
    let stop: StopSignal
    /// When the loop returns by itself (not asked to stop), stop the others too. The demo
    /// workload ends after `--duration` while capture and apply go on: false for it.
    var endsGroup = true
    let body: @Sendable () throws -> Void

    var description: String { name }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await runOnDedicatedThread()
            } onCancel: { [stop] in
                stop.set()
            }
        } onGracefulShutdown: { [stop] in
            stop.set()
        }
        if !stop.isSet && endsGroup {
            // Ended on its own: the others stop with it (the group shuts them down gracefully).
            stop.set()
            return
        }
        // Stopped with the others, or done while they go on. The group shuts services down one at a time, last first, and
        // takes a service that returns before its turn for a failure: wait for the turn.
        try? await gracefulShutdown()
    }

    private func runOnDedicatedThread() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [stop, body] in
                do {
                    try body()
                    continuation.resume()
                } catch {
                    stop.set()
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}
