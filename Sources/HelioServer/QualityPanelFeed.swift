import Foundation
import Synchronization

/// Keeps the quality panel fresh for the status page: loads it once a minute (every 5 s until a
/// load succeeds) on a thread of
/// its own (the loader blocks in libpq, never on the cooperative pool), while the operator
/// endpoint runs. The page reads the last result and never waits for the warehouse; each
/// load reads a day of flags, so reloading on every page view (every 5 s) would cost too much.
public final class QualityPanelFeed: Sendable {
    let load: @Sendable () throws -> QualityPanel
    let intervalSeconds: Double
    let retrySeconds: Double
    private let current: Mutex<QualityPanelState>
    private let loading = Mutex(false)

    public init(intervalSeconds: Double = 60, retrySeconds: Double = 5, load: @escaping @Sendable () throws -> QualityPanel) {
        self.load = load
        self.intervalSeconds = intervalSeconds
        self.retrySeconds = retrySeconds
        self.current = Mutex(.loading)
    }

    /// A feed that never loads, for a process without a warehouse; the page says why.
    public static func unavailable(_ reason: String) -> QualityPanelFeed {
        let feed = QualityPanelFeed(intervalSeconds: .infinity) { throw Unavailable() }
        feed.current.withLock { $0 = .unavailable(reason) }
        return feed
    }

    private struct Unavailable: Error {}

    public var state: QualityPanelState { current.withLock { $0 } }

    /// Loads on a dedicated thread and keeps the outcome; `done` runs after. Does nothing when
    /// a load is still running (a slow warehouse gets no second query on top).
    func startLoad(done: @escaping @Sendable () -> Void = {}) {
        guard loading.withLock({ busy in defer { busy = true }; return !busy }) else { return done() }
        let thread = Thread { [self] in
            let outcome: QualityPanelState
            do {
                outcome = .ready(try load())
            } catch {
                outcome = .failed("\(error)")
            }
            current.withLock { $0 = outcome }
            loading.withLock { $0 = false }
            done()
        }
        thread.name = "quality-panel"
        thread.start()
    }

    /// Loads now and returns when the outcome is kept.
    public func refresh() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            startLoad { continuation.resume() }
        }
    }

    /// Starts a load every `intervalSeconds`, or every `retrySeconds` until one succeeds (a
    /// demo's warehouse is migrated by apply a few seconds after the page is up), until the task
    /// is cancelled. Never waits for a load: the endpoint, shut down last, must not wait for a
    /// slow warehouse to stop.
    func run() async {
        if case .unavailable = state { return }
        var sinceLoad = Double.infinity
        while !Task.isCancelled {
            let ready = if case .ready = state { true } else { false }
            if !ready || sinceLoad >= intervalSeconds {
                startLoad()
                sinceLoad = 0
            }
            try? await Task.sleep(for: .seconds(retrySeconds))
            sinceLoad += retrySeconds
        }
    }
}
