import Foundation
import Logging
import Synchronization

/// Long work, shown as it goes. On a terminal: a bar on stderr redrawn in place, at most ten
/// times a second. Elsewhere (a pipe, the journal, a container): a log line now and then, so a
/// job under a supervisor still says how far it is without filling the log with bars.
public final class ProgressReporter: Sendable {
    public enum Mode: Sendable, Equatable {
        case bar
        case logLines(everySeconds: Double)

        /// A bar when stderr is a terminal, else a log line every 10 s.
        public static var automatic: Mode { Terminal.standardErrorIsTerminal ? .bar : .logLines(everySeconds: 10) }
    }

    let what: String
    let unit: String
    let logger: Logger
    let mode: Mode
    let started = Date()
    private let state: Mutex<State>

    private struct State {
        var done = 0
        var total: Int?
        var lastShown: Date?
        var finished = false
    }

    /// `what` names the work (`rebuild`, `verify`); `unit` what is counted (`records`, `checks`).
    public init(_ what: String, unit: String, total: Int? = nil, logger: Logger, mode: Mode = .automatic) {
        self.what = what
        self.unit = unit
        self.logger = logger
        self.mode = mode
        state = Mutex(State(total: total))
    }

    /// The count so far (and the total, when it became known), shown if it is time to.
    public func update(done: Int, total: Int? = nil) {
        let line: ProgressLine? = state.withLock { state in
            guard !state.finished else { return nil }
            state.done = done
            if let total { state.total = total }
            let now = Date()
            if let last = state.lastShown, now.timeIntervalSince(last) < interval { return nil }
            state.lastShown = now
            return ProgressLine(done: state.done, total: state.total, unit: unit, elapsedSeconds: now.timeIntervalSince(started))
        }
        if let line { show(line, final: false) }
    }

    /// One more (a check done).
    public func advance() {
        let done = state.withLock { $0.done + 1 }
        update(done: done)
    }

    /// Shows the final count once; later updates are ignored.
    public func finish() {
        let line: ProgressLine? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            return ProgressLine(done: state.done, total: state.total, unit: unit, elapsedSeconds: Date().timeIntervalSince(started))
        }
        if let line { show(line, final: true) }
    }

    /// Reads the count from `read` five times a second on a thread of its own, until `finish`.
    public func follow(_ read: @escaping @Sendable () -> Int) {
        Thread { [self] in
            while !state.withLock({ $0.finished }) {
                update(done: read())
                Thread.sleep(forTimeInterval: 0.2)
            }
        }.start()
    }

    private var interval: Double {
        switch mode {
        case .bar: return 0.1
        case .logLines(let every): return every
        }
    }

    private func show(_ line: ProgressLine, final: Bool) {
        switch mode {
        case .bar:
            StandardError.drawStatus("\(what) \(line.rendered())")
            if final { StandardError.endStatus() }
        case .logLines:
            var metadata: Logger.Metadata = [LogKeys.progressDone: "\(line.done)", LogKeys.progressRate: "\(Int(line.rate.rounded()))"]
            if let total = line.total { metadata[LogKeys.progressTotal] = "\(total)" }
            if let remaining = line.remainingSeconds { metadata[LogKeys.progressETASeconds] = "\(Int(remaining.rounded(.up)))" }
            logger.info("\(what) \(final ? "done" : "progress"): \(line.rendered())", metadata: metadata)
        }
    }
}
