import Foundation
import HelioApply
import HelioEvents
import HelioOps
import Logging

/// The scheduled checks of a service process, built from the configuration: capture runs
/// the slot watchdog and its stall check; apply runs reconciliation, its stall check, the
/// DLQ-growth check and the data-quality jump check; `helio run` all of them. The heartbeat is not a job here: capture
/// writes it itself (`Heartbeat` in HelioCapture), every `HELIO_HEARTBEAT_INTERVAL_SECONDS`.
public enum ScheduledChecks {
    public struct Components: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let capture = Components(rawValue: 1)
        public static let apply = Components(rawValue: 2)
    }

    public static let reconciliation = "reconciliation"
    public static let slotWatchdog = "slot_watchdog"
    public static let stallCheck = "stalled_pipeline"
    public static let deadLetterCheck = "dlq_growth"
    public static let qualityCheck = "quality_jump"
    public static let qualityRecheck = "quality_recheck"
    public static let shadowRebuild = "shadow_rebuild"

    /// The jobs, or none when the scheduler is disabled. A job whose settings are missing in
    /// this process (reconciliation without a source URL) is left out with a log line.
    public static func jobs(config: HelioConfiguration, components: Components, alerts: AlertSink, health: HealthState = .shared,
                            deadLettered: (@Sendable () -> Int)? = nil, logger: Logger) throws -> [ScheduledJob] {
        let schedule = config.schedule
        guard schedule.enabled else { return [] }
        var jobs: [ScheduledJob] = []
        func add(_ name: String, _ expression: String?, _ body: @escaping @Sendable (JobContext) throws -> Void) throws {
            guard let expression else { return }
            jobs.append(ScheduledJob(name: name, schedule: try schedule.parse(expression), body: body))
        }
        if components.contains(.capture), let sourceURL = config.sourceURL {
            let watchdog = SlotLagWatchdog(sourceURL: sourceURL, slot: config.slot, warningBytes: schedule.slotWarningBytes,
                                           alertBytes: schedule.slotAlertBytes, alerts: alerts)
            try add(slotWatchdog, schedule.slotWatchdog, watchdog.run)
        }
        if components.contains(.apply) {
            if config.sourceURL != nil {
                let check = ReconciliationCheck(config: config, alerts: alerts)
                try add(reconciliation, schedule.reconciliation, check.run)
            } else if schedule.reconciliation != nil {
                logger.notice("scheduled reconciliation is off: it needs HELIO_SOURCE_URL (read access to the source) in this process")
            }
            if let warehouseURL = config.warehouseURL {
                let check = QualityRateJumpCheck(warehouseURL: warehouseURL, ratio: schedule.qualityJumpRatio,
                                                 minimum: schedule.qualityJumpMinimum, alerts: alerts)
                try add(qualityCheck, schedule.qualityCheck, check.run)
                let recheck = QualityRecheckCheck(warehouseURL: warehouseURL, applyConfig: ApplyService.configuration(config), alerts: alerts)
                try add(qualityRecheck, schedule.qualityRecheck, recheck.run)
                try add(shadowRebuild, schedule.shadowRebuild, ShadowRebuildCheck(config: config, alerts: alerts).run)
            }
            if let deadLettered {
                let check = DeadLetterGrowthCheck(topic: config.deadLetterTopic, alerts: alerts, count: deadLettered)
                try add(deadLetterCheck, schedule.deadLetterCheck, check.run)
            }
        }
        var probes: [(name: String, probe: StalledPipelineCheck.WorkProbe)] = []
        if components.contains(.capture) { probes.append(("capture", WorkProbes.capture(config))) }
        if components.contains(.apply) { probes.append(("apply", WorkProbes.apply(config, logger: logger))) }
        if !probes.isEmpty {
            let check = StalledPipelineCheck(health: health, services: probes, stallSeconds: schedule.stallSeconds, alerts: alerts)
            try add(stallCheck, schedule.stallCheck, check.run)
        }
        return jobs
    }

    /// A scheduler for the process's checks, with alerts from its logger label; nil when
    /// there is nothing to schedule.
    public static func scheduler(config: HelioConfiguration, components: Components, source: String,
                                 deadLettered: (@Sendable () -> Int)? = nil, logger: Logger) throws -> Scheduler? {
        var schedulerLogger = logger
        schedulerLogger[metadataKey: LogKeys.component] = "scheduler"
        let alerts = AlertSink(config.schedule, source: source, logger: schedulerLogger)
        let jobs = try jobs(config: config, components: components, alerts: alerts, deadLettered: deadLettered, logger: schedulerLogger)
        guard !jobs.isEmpty else { return nil }
        if let webhook = config.schedule.alertWebhookURL {
            schedulerLogger.info("alerts also go to a webhook", metadata: ["webhook": "\(ScheduleConfiguration.redactWebhook(webhook))"])
        }
        return Scheduler(jobs: jobs, logger: schedulerLogger, drainSeconds: 5)
    }
}
