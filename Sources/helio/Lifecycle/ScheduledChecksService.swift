import HelioJobs
import HelioOps
import Logging

/// The process's scheduled checks (`HelioJobs.ScheduledChecks`) as a service beside the
/// pipeline's, stopping with them; none when nothing is scheduled.
enum ScheduledChecksService {
    static func make(config: HelioConfiguration, components: ScheduledChecks.Components, stop: StopSignal,
                     deadLettered: (@Sendable () -> Int)? = nil, label: String, logger: Logger) throws -> [BlockingService] {
        let scheduler: Scheduler?
        do {
            scheduler = try ScheduledChecks.scheduler(config: config, components: components, source: label,
                                                      deadLettered: deadLettered, logger: logger)
        } catch {
            throw exitStatus(for: ConfigurationError(key: "HELIO_SCHEDULE_*", problem: "\(error)"), logger: logger)
        }
        guard let scheduler else {
            logger.info("no scheduled checks", metadata: ["enabled": "\(config.schedule.enabled)"])
            return []
        }
        return [BlockingService(name: "scheduler", stop: stop) { scheduler.run(shouldStop: { stop.isSet }) }]
    }
}
