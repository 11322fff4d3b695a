import Foundation
import HelioOps

/// Alerts when a service of this process (capture, apply) has made no progress within
/// `stallSeconds` while there is work for it. Progress is what the services report to
/// `HealthState` (capture: a transaction published or the server heard from; apply: a batch
/// applied or an empty poll). Only a service that looks stalled has its work probed, so the
/// healthy case costs nothing.
public struct StalledPipelineCheck: Sendable {
    public static let check = "stalled_pipeline"

    /// Describes the work waiting for a service, or nil when there is none.
    public typealias WorkProbe = @Sendable () throws -> String?

    let health: HealthState
    let services: [(name: String, probe: WorkProbe)]
    let stallSeconds: Double
    /// Before this, a service that has not reported yet is starting, not stalled.
    let startedAt: Date
    let alerts: AlertSink
    let now: @Sendable () -> Date

    public init(health: HealthState, services: [(name: String, probe: WorkProbe)], stallSeconds: Double, alerts: AlertSink,
                startedAt: Date = Date(), now: @escaping @Sendable () -> Date = Date.init) {
        self.health = health
        self.services = services
        self.stallSeconds = stallSeconds
        self.alerts = alerts
        self.startedAt = startedAt
        self.now = now
    }

    public func run(_ context: JobContext) throws {
        let stalled = findStalled()
        guard !stalled.isEmpty else {
            alerts.resolve(check: Self.check, summary: "every service is making progress", shouldStop: context.shouldStop)
            return
        }
        alerts.raise(Alert(check: Self.check, severity: .critical,
                           summary: "\(stalled.map(\.name).joined(separator: " and ")) made no progress for over \(Int(stallSeconds)) s with work waiting",
                           details: stalled.map(\.detail), keys: stalled.map(\.name)), shouldStop: context.shouldStop)
    }

    /// The services that look stalled and have work, with what was found.
    public func findStalled() -> [(name: String, detail: String)] {
        let states = health.snapshot
        let current = now()
        var stalled: [(name: String, detail: String)] = []
        for (name, probe) in services {
            guard let state = states[name] else { continue } // not started in this process yet
            let quiet = current.timeIntervalSince(max(state.lastProgress, startedAt))
            guard quiet >= stallSeconds else { continue }
            let work: String
            do {
                guard let pending = try probe() else { continue }
                work = pending
            } catch {
                work = "unknown (the check for pending work failed: \(error))"
            }
            let connection = state.connected ? "connected" : "disconnected\(state.detail.isEmpty ? "" : ": \(state.detail)")"
            stalled.append((name, "\(name): no progress for \(Int(quiet)) s (\(connection)); waiting: \(work)"))
        }
        return stalled
    }
}
