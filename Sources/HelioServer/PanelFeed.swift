import Foundation
import Synchronization

/// A status-page panel as the page finds it: not available in this process, not loaded yet,
/// loaded, or the last load failed (with what the source said, which holds no secret).
public enum PanelState<Panel: Sendable & Equatable>: Sendable, Equatable {
    case unavailable(String)
    case loading
    case ready(Panel)
    case failed(String)
}

/// Keeps a panel fresh for the status page (the data-quality panel once a minute, the
/// appliers every 15 s; every 5 s until a load succeeds): loads it on a thread of its own (the
/// loader blocks in libpq or librdkafka, never on the cooperative pool), while the operator
/// endpoint runs. The page reads the last result and never waits for the warehouse or the
/// broker; reloading on every page view (every 5 s) would cost too much.
public final class PanelFeed<Panel: Sendable & Equatable>: Sendable {
    let load: @Sendable () throws -> Panel
    let intervalSeconds: Double
    let retrySeconds: Double
    let name: String
    private let current: Mutex<PanelState<Panel>>
    private let loading = Mutex(false)

    public init(intervalSeconds: Double = 60, retrySeconds: Double = 5, name: String = "quality-panel",
                load: @escaping @Sendable () throws -> Panel) {
        self.load = load
        self.intervalSeconds = intervalSeconds
        self.retrySeconds = retrySeconds
        self.name = name
        self.current = Mutex(.loading)
    }

    /// A feed that never loads, for a process without what the panel reads; the page says why.
    public static func unavailable(_ reason: String) -> PanelFeed {
        let feed = PanelFeed(intervalSeconds: .infinity) { throw Unavailable() }
        feed.current.withLock { $0 = .unavailable(reason) }
        return feed
    }

    private struct Unavailable: Error {}

    public var state: PanelState<Panel> { current.withLock { $0 } }

    /// Loads on a dedicated thread and keeps the outcome; `done` runs after. Does nothing when
    /// a load is still running (a slow warehouse gets no second query on top).
    func startLoad(done: @escaping @Sendable () -> Void = {}) {
        guard loading.withLock({ busy in defer { busy = true }; return !busy }) else { return done() }
        let thread = Thread { [self] in
            let outcome: PanelState<Panel>
            do {
                outcome = .ready(try load())
            } catch {
                outcome = .failed("\(error)")
            }
            current.withLock { $0 = outcome }
            loading.withLock { $0 = false }
            done()
        }
        thread.name = name
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

/// The data-quality panel's feed and state (`QualityPanelLoader` in the helio target loads it).
public typealias QualityPanelFeed = PanelFeed<QualityPanel>
public typealias QualityPanelState = PanelState<QualityPanel>
