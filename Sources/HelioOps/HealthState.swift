import Foundation
import Synchronization

/// What each service says about itself, for /healthz, /readyz and the status page.
/// A service is ready when it is connected and has made progress (or had nothing to do)
/// within its stall limit.
public final class HealthState: Sendable {
    public struct Service: Sendable {
        public var connected = false
        public var lastProgress = Date.distantPast
        public var detail = ""
        /// Counters shown on the status page, e.g. "changes": 1234.
        public var figures: [String: Double] = [:]
        /// Changes per source table since the process started: published (capture) or
        /// applied (apply), e.g. "users": 120.
        public var tableChanges: [String: Double] = [:]
        /// Capture's snapshot, while it reads and after it finished; nil when none ran.
        public var snapshot: SnapshotProgress?
    }

    private let services = Mutex<[String: Service]>([:])
    public let stallSeconds: Double

    public init(stallSeconds: Double = 120) {
        self.stallSeconds = stallSeconds
    }

    public func update(_ name: String, _ body: (inout Service) -> Void) {
        services.withLock { body(&$0[name, default: Service()]) }
    }

    public var snapshot: [String: Service] { services.withLock { $0 } }

    /// Every registered service connected and not stalled.
    public var isReady: Bool {
        let now = Date()
        let all = snapshot
        return !all.isEmpty && all.values.allSatisfy { $0.connected && now.timeIntervalSince($0.lastProgress) < stallSeconds }
    }

    /// The process-wide instance the services report into.
    public static let shared = HealthState()
}
