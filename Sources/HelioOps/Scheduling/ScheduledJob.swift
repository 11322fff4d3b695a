import Foundation
import Logging

/// A named piece of work and when to run it. The body runs on a thread of its own (never
/// the cooperative pool), so it may block on PostgreSQL, Kafka or HTTP; it should return
/// early when `context.shouldStop()` turns true. Throwing marks the run failed.
public struct ScheduledJob: Sendable {
    public let name: String
    public let schedule: JobSchedule
    public let body: @Sendable (JobContext) throws -> Void

    public init(name: String, schedule: JobSchedule, body: @escaping @Sendable (JobContext) throws -> Void) {
        self.name = name
        self.schedule = schedule
        self.body = body
    }
}

/// What a run is told about itself.
public struct JobContext: Sendable {
    public let job: String
    /// The tick this run was started for (the clock may be a little past it).
    public let scheduledAt: Date
    public let logger: Logger
    public let shouldStop: @Sendable () -> Bool

    public init(job: String, scheduledAt: Date, logger: Logger, shouldStop: @escaping @Sendable () -> Bool) {
        self.job = job
        self.scheduledAt = scheduledAt
        self.logger = logger
        self.shouldStop = shouldStop
    }

    /// Waits `seconds`, returning early (false) when the process is stopping.
    @discardableResult
    public func pause(_ seconds: Double) -> Bool {
        Backoff.sleep(seconds, unless: shouldStop)
        return !shouldStop()
    }
}
