import Foundation
import Logging
import Synchronization

/// Runs jobs at their scheduled times inside a service process. The timing loop and every
/// run have dedicated threads (jobs block on PostgreSQL, Kafka and HTTP). A job never runs
/// twice at once: a tick that finds its previous run still going is skipped, logged and
/// counted. Each run is logged with its duration and outcome and exported as metrics
/// (`SchedulerMetrics`).
public final class Scheduler: Sendable {
    public struct Statistics: Sendable, Equatable {
        public var runs = 0
        public var failures = 0
        public var skipped = 0
        public var isRunning = false
        public var lastScheduledAt: Date?
    }

    let jobs: [ScheduledJob]
    let clock: any SchedulerClock
    let logger: Logger
    /// How long `run` waits for jobs still running once it is told to stop.
    let drainSeconds: Double
    private let metrics: [String: SchedulerMetrics]
    private let statistics = Mutex<[String: Statistics]>([:])
    private let runs = DispatchGroup()

    public init(jobs: [ScheduledJob], clock: any SchedulerClock = SystemSchedulerClock(), logger: Logger, drainSeconds: Double = 10) {
        precondition(Set(jobs.map(\.name)).count == jobs.count, "job names must be unique")
        self.jobs = jobs
        self.clock = clock
        self.logger = logger
        self.drainSeconds = drainSeconds
        self.metrics = Dictionary(uniqueKeysWithValues: jobs.map { ($0.name, SchedulerMetrics(job: $0.name)) })
    }

    public func statistics(_ job: String) -> Statistics { statistics.withLock { $0[job] ?? Statistics() } }

    /// Runs the timing loop on the calling thread until `shouldStop()`, then waits up to
    /// `drainSeconds` for runs in progress (they see `shouldStop` too). Call it on a
    /// dedicated thread (`ServiceThreads`).
    public func run(shouldStop: @escaping @Sendable () -> Bool) {
        let start = clock.now()
        var next = jobs.map { $0.schedule.next(after: start) }
        for (job, first) in zip(jobs, next) {
            logger.info("job scheduled", metadata: [LogKeys.job: "\(job.name)", "schedule": "\(job.schedule)",
                                                    "next_run": "\(first.map { "\($0)" } ?? "never")"])
        }
        while !shouldStop(), let due = next.compactMap({ $0 }).min() {
            clock.sleep(until: due, unless: shouldStop)
            if shouldStop() { break }
            let now = clock.now()
            for index in jobs.indices {
                guard let scheduled = next[index], scheduled <= now else { continue }
                dispatch(jobs[index], scheduledAt: scheduled, shouldStop: shouldStop)
                // Ticks the loop itself slept through (a suspended machine) collapse into this one.
                var following = jobs[index].schedule.next(after: scheduled)
                while let candidate = following, candidate <= now { following = jobs[index].schedule.next(after: candidate) }
                next[index] = following
            }
        }
        if runs.wait(timeout: .now() + drainSeconds) == .timedOut {
            logger.warning("stopping with scheduled jobs still running", metadata: [
                LogKeys.job: "\(statistics.withLock { $0.filter(\.value.isRunning).keys.sorted().joined(separator: ",") })"])
        }
    }

    /// Starts a run on its own thread unless the previous run of the job is still going.
    func dispatch(_ job: ScheduledJob, scheduledAt: Date, shouldStop: @escaping @Sendable () -> Bool) {
        let started = statistics.withLock { all -> Bool in
            if all[job.name, default: Statistics()].isRunning {
                all[job.name]!.skipped += 1
                return false
            }
            all[job.name, default: Statistics()].isRunning = true
            all[job.name]!.lastScheduledAt = scheduledAt
            return true
        }
        guard started else {
            metrics[job.name]?.skipped.increment()
            logger.notice("scheduled run skipped: the previous run is still going", metadata: [
                LogKeys.job: "\(job.name)", "scheduled_at": "\(scheduledAt)"])
            return
        }
        runs.enter()
        let thread = Thread { [self] in
            defer { runs.leave() }
            perform(job, scheduledAt: scheduledAt, shouldStop: shouldStop)
        }
        thread.name = "job-\(job.name)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    func perform(_ job: ScheduledJob, scheduledAt: Date, shouldStop: @escaping @Sendable () -> Bool) {
        var logger = self.logger
        logger[metadataKey: LogKeys.job] = "\(job.name)"
        let context = JobContext(job: job.name, scheduledAt: scheduledAt, logger: logger, shouldStop: shouldStop)
        let start = ContinuousClock.now
        var failure: (any Error)?
        do {
            try job.body(context)
        } catch {
            failure = error
        }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let milliseconds = Double(nanoseconds) / 1e6
        statistics.withLock {
            $0[job.name]!.isRunning = false
            $0[job.name]!.runs += 1
            if failure != nil { $0[job.name]!.failures += 1 }
        }
        let finished = clock.now().timeIntervalSince1970
        if let jobMetrics = metrics[job.name] {
            jobMetrics.duration.recordNanoseconds(nanoseconds)
            jobMetrics.lastRun.record(finished)
            if failure == nil {
                jobMetrics.succeeded.increment()
                jobMetrics.lastSuccess.record(finished)
            } else {
                jobMetrics.failed.increment()
            }
        }
        let metadata: Logger.Metadata = [LogKeys.outcome: failure == nil ? "ok" : "failed",
                                         LogKeys.durationMs: "\(Int(milliseconds.rounded()))"]
        if let failure {
            logger.error("scheduled job failed", metadata: metadata.merging([
                LogKeys.error: "\(failure)", LogKeys.errorKind: "\(type(of: failure))"]) { $1 })
        } else {
            logger.info("scheduled job finished", metadata: metadata)
        }
    }
}
