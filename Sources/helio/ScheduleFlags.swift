import ArgumentParser

/// Flags of the scheduler's keys (`schedule.*`, `alerts.*` in `HelioConfiguration.keys`).
struct ScheduleFlags<Scope: CommandKeys>: ParsableArguments {
    @Option(name: flag("schedule.enabled"), help: help("schedule.enabled", shownIn: Scope.self)) var enabled: String?
    @Option(name: flag("schedule.timezone"), help: help("schedule.timezone", shownIn: Scope.self)) var timezone: String?
    @Option(name: flag("schedule.reconciliation"), help: help("schedule.reconciliation", valueName: "cron", shownIn: Scope.self)) var reconciliation: String?
    @Option(name: flag("schedule.reconciliation_confirm_seconds"), help: help("schedule.reconciliation_confirm_seconds", shownIn: Scope.self)) var reconciliationConfirmSeconds: String?
    @Option(name: flag("schedule.slot_watchdog"), help: help("schedule.slot_watchdog", valueName: "cron", shownIn: Scope.self)) var slotWatchdog: String?
    @Option(name: flag("schedule.slot_warning_bytes"), help: help("schedule.slot_warning_bytes", shownIn: Scope.self)) var slotWarningBytes: String?
    @Option(name: flag("schedule.slot_alert_bytes"), help: help("schedule.slot_alert_bytes", shownIn: Scope.self)) var slotAlertBytes: String?
    @Option(name: flag("schedule.stall_check"), help: help("schedule.stall_check", valueName: "cron", shownIn: Scope.self)) var stallCheck: String?
    @Option(name: flag("schedule.stall_seconds"), help: help("schedule.stall_seconds", shownIn: Scope.self)) var stallSeconds: String?
    @Option(name: flag("schedule.dlq_check"), help: help("schedule.dlq_check", valueName: "cron", shownIn: Scope.self)) var dlqCheck: String?
    @Option(name: flag("schedule.quality_check"), help: help("schedule.quality_check", valueName: "cron", shownIn: Scope.self)) var qualityCheck: String?
    @Option(name: flag("schedule.quality_jump_ratio"), help: help("schedule.quality_jump_ratio", shownIn: Scope.self)) var qualityJumpRatio: String?
    @Option(name: flag("schedule.quality_jump_min_violations"), help: help("schedule.quality_jump_min_violations", shownIn: Scope.self)) var qualityJumpMinimum: String?
    @Option(name: flag("schedule.quality_recheck"), help: help("schedule.quality_recheck", valueName: "cron", shownIn: Scope.self)) var qualityRecheck: String?
    @Option(name: flag("schedule.shadow_rebuild"), help: help("schedule.shadow_rebuild", valueName: "cron", shownIn: Scope.self)) var shadowRebuild: String?
    @Option(name: flag("alerts.webhook_url"), help: help("alerts.webhook_url", shownIn: Scope.self)) var webhookURL: String?
    @Option(name: flag("alerts.webhook_attempts"), help: help("alerts.webhook_attempts", shownIn: Scope.self)) var webhookAttempts: String?
    @Option(name: flag("alerts.webhook_timeout_seconds"), help: help("alerts.webhook_timeout_seconds", shownIn: Scope.self)) var webhookTimeoutSeconds: String?
    @Option(name: flag("alerts.repeat_seconds"), help: help("alerts.repeat_seconds", shownIn: Scope.self)) var repeatSeconds: String?

    var given: [(String, String?)] {
        [
            ("schedule.enabled", enabled), ("schedule.timezone", timezone), ("schedule.reconciliation", reconciliation),
            ("schedule.reconciliation_confirm_seconds", reconciliationConfirmSeconds), ("schedule.slot_watchdog", slotWatchdog),
            ("schedule.slot_warning_bytes", slotWarningBytes), ("schedule.slot_alert_bytes", slotAlertBytes),
            ("schedule.stall_check", stallCheck), ("schedule.stall_seconds", stallSeconds), ("schedule.dlq_check", dlqCheck),
            ("schedule.quality_check", qualityCheck), ("schedule.quality_jump_ratio", qualityJumpRatio),
            ("schedule.quality_jump_min_violations", qualityJumpMinimum), ("schedule.quality_recheck", qualityRecheck),
            ("schedule.shadow_rebuild", shadowRebuild),
            ("alerts.webhook_url", webhookURL), ("alerts.webhook_attempts", webhookAttempts),
            ("alerts.webhook_timeout_seconds", webhookTimeoutSeconds), ("alerts.repeat_seconds", repeatSeconds),
        ]
    }
}
