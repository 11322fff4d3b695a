import HelioJobs
import HelioOps
import Logging

/// Starts the process's scheduled checks (`HelioJobs.ScheduledChecks`) beside its services,
/// on a thread of their own, stopping with them.
enum SchedulerThread {
    static func start(_ threads: ServiceThreads, config: HelioConfiguration, components: ScheduledChecks.Components,
                      deadLettered: (@Sendable () -> Int)? = nil, label: String, logger: Logger) throws {
        let scheduler: Scheduler?
        do {
            scheduler = try ScheduledChecks.scheduler(config: config, components: components, source: label,
                                                      deadLettered: deadLettered, logger: logger)
        } catch {
            throw exitStatus(for: ConfigurationError(key: "HELIO_SCHEDULE_*", problem: "\(error)"), logger: logger)
        }
        guard let scheduler else {
            logger.info("no scheduled checks", metadata: ["enabled": "\(config.schedule.enabled)"])
            return
        }
        let stop = threads.stop
        threads.start("scheduler") { scheduler.run(shouldStop: { stop.isSet }) }
    }
}
