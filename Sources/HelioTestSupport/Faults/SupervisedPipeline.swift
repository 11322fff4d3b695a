import Foundation
import HelioOps

/// `helio capture` and `helio apply` as separate processes, watched like a supervisor
/// (systemd's Restart=on-failure) watches them: a process that exits while supervised is
/// started again after a second, and the exit is recorded — faults that expect an exit take
/// the process out of supervision first, so any other exit counts against the run.
public final class SupervisedPipeline: @unchecked Sendable {
    public enum Role: String, CaseIterable, Sendable { case capture, apply }

    public struct Exit: Sendable, CustomStringConvertible {
        public var role: Role
        public var status: Int32
        public var at: Date
        public var logTail: String
        public var description: String { "\(role) exited \(status) unexpectedly: \(logTail)" }
    }

    let config: HelioConfiguration
    let logDirectory: String
    private let lock = NSLock()
    private var children: [Role: HelioChild] = [:]
    private var supervised: Set<Role> = []
    private var incarnations: [Role: Int] = [:]
    private var exits: [Exit] = []
    private var stopping = false
    private var monitor: Thread?

    public init(config: HelioConfiguration, logDirectory: String) {
        self.config = config
        self.logDirectory = logDirectory
        try? FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    }

    /// Starts the monitor; roles are started with `start`.
    public func startMonitor() {
        let thread = Thread { [self] in
            while !lock.withLock({ stopping }) {
                superviseOnce()
                usleep(200_000)
            }
        }
        thread.name = "fault-supervisor"
        monitor = thread
        thread.start()
    }

    /// Starts `role` (supervised) with the pipeline's configuration, or `override`/`extra`
    /// for a fault; returns the new process.
    @discardableResult
    public func start(_ role: Role, override: HelioConfiguration? = nil, extra: [String: String] = [:], supervised watch: Bool = true) throws -> HelioChild {
        try lock.withLock {
            let child = try spawn(role, config: override ?? config, extra: extra)
            children[role] = child
            if watch { supervised.insert(role) } else { supervised.remove(role) }
            return child
        }
    }

    /// Another process of `role` beside the supervised one (a second capture on the same slot,
    /// a misconfigured one): not supervised, not remembered.
    /// `arguments` other than the role's command run a tool (`slot drop --yes`) with its configuration.
    public func startExtra(_ role: Role, config other: HelioConfiguration, extra: [String: String] = [:],
                           arguments: [String]? = nil) throws -> HelioChild {
        try lock.withLock { try spawn(role, config: other, extra: extra, arguments: arguments) }
    }

    private func spawn(_ role: Role, config: HelioConfiguration, extra: [String: String], arguments: [String]? = nil) throws -> HelioChild {
        let number = (incarnations[role] ?? 0) + 1
        incarnations[role] = number
        let name = arguments.map { $0.joined(separator: "-") } ?? role.rawValue
        return try HelioChild(arguments ?? [role.rawValue], role: role.rawValue, config: config, extra: extra,
                              logPath: "\(logDirectory)/\(name)-\(number).log")
    }

    public func child(_ role: Role) -> HelioChild? { lock.withLock { children[role] } }

    /// SIGKILL of `role`; it stays supervised, so the monitor would restart it — callers that
    /// restart it themselves call `start` right after.
    public func kill9(_ role: Role) {
        let child = lock.withLock { () -> HelioChild? in
            supervised.remove(role)
            return children[role]
        }
        child?.kill9()
    }

    /// SIGTERM and wait; out of supervision until started again.
    @discardableResult
    public func stop(_ role: Role) -> Int32? {
        let child = lock.withLock { () -> HelioChild? in
            supervised.remove(role)
            return children.removeValue(forKey: role)
        }
        return child?.terminate()
    }

    /// Takes `role` out of supervision (a fault expects it to exit).
    public func unwatch(_ role: Role) { lock.withLock { _ = supervised.remove(role) } }

    public var unexpectedExits: [Exit] { lock.withLock { exits } }

    /// Restarts supervised processes that exited, recording each exit.
    func superviseOnce() {
        let dead = lock.withLock { () -> [(Role, HelioChild)] in
            supervised.compactMap { role in children[role].flatMap { $0.isRunning ? nil : (role, $0) } }
        }
        for (role, child) in dead {
            lock.withLock {
                exits.append(Exit(role: role, status: child.exitStatus ?? -1, at: Date(), logTail: child.logTail(3)))
            }
            usleep(1_000_000) // a supervisor's restart delay
            lock.withLock {
                guard supervised.contains(role), children[role] === child, !stopping else { return }
                if let replacement = try? spawn(role, config: config, extra: [:]) { children[role] = replacement }
            }
        }
    }

    /// Stops both processes and the monitor.
    public func shutdown() {
        lock.withLock { stopping = true }
        while let monitor, !monitor.isFinished { usleep(20_000) }
        for role in Role.allCases { stop(role) }
    }
}
