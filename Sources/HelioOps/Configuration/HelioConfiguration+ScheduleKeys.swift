/// The scheduler's keys (`ScheduleConfiguration`, `HelioConfiguration.schedule`) in the table,
/// under the environment names `HelioConfiguration+Schedule.swift` reads. Each key's value is
/// parsed by the scheduler's own row for that variable (`ScheduleConfiguration.keys`), and
/// `ScheduleConfiguration.validate()` checks them together once everything is read.
extension HelioConfiguration {
    static let scheduleKeys: [ConfigurationKey] = [
        schedule("schedule.enabled", "HELIO_SCHEDULE_ENABLED", expectation: "true or false",
                 "run the scheduled checks at all") { String($0.enabled) },
        schedule("schedule.timezone", "HELIO_SCHEDULE_TIMEZONE", expectation: "a time zone name (UTC, America/Sao_Paulo)",
                 "time zone the cron expressions are read in") { $0.timeZone },
        schedule("schedule.reconciliation", "HELIO_SCHEDULE_RECONCILIATION", expectation: cron,
                 "when to compare the warehouse with the source; off disables") { $0.reconciliation ?? "off" },
        schedule("schedule.reconciliation_confirm_seconds", "HELIO_RECONCILIATION_CONFIRM_SECONDS", expectation: "a number of seconds",
                 "a difference must still be there this much later to be reported") {
                     ConfigurationKey.trimmed($0.reconciliationConfirmSeconds) },
        schedule("schedule.slot_watchdog", "HELIO_SCHEDULE_SLOT_WATCHDOG", expectation: cron,
                 "when to check the WAL the slot retains; off disables") { $0.slotWatchdog ?? "off" },
        schedule("schedule.slot_warning_bytes", "HELIO_SLOT_WARNING_BYTES", expectation: "a number of bytes",
                 "warn above this much retained WAL") { String($0.slotWarningBytes) },
        schedule("schedule.slot_alert_bytes", "HELIO_SLOT_ALERT_BYTES", expectation: "a number of bytes",
                 "alert above this much retained WAL") { String($0.slotAlertBytes) },
        schedule("schedule.stall_check", "HELIO_SCHEDULE_STALL_CHECK", expectation: cron,
                 "when to check for a stalled pipeline; off disables") { $0.stallCheck ?? "off" },
        schedule("schedule.stall_seconds", "HELIO_STALL_SECONDS", expectation: "a number of seconds",
                 "stalled: no progress for this long while there is work") { ConfigurationKey.trimmed($0.stallSeconds) },
        schedule("schedule.dlq_check", "HELIO_SCHEDULE_DLQ_CHECK", expectation: cron,
                 "when to check the dead-letter topic for growth; off disables") { $0.deadLetterCheck ?? "off" },
        schedule("schedule.quality_check", "HELIO_SCHEDULE_QUALITY_CHECK", expectation: cron,
                 "when to check data-quality rules for a jump in their flags; off disables") { $0.qualityCheck ?? "off" },
        schedule("schedule.quality_jump_ratio", "HELIO_QUALITY_JUMP_RATIO", expectation: "a number above 1",
                 "a rule jumped: its flags in the last hour are this many times its hourly average over the day before") {
                     ConfigurationKey.trimmed($0.qualityJumpRatio) },
        schedule("schedule.quality_jump_min_violations", "HELIO_QUALITY_JUMP_MIN_VIOLATIONS", expectation: "a whole number from 1",
                 "and at least this many flags in the last hour") { String($0.qualityJumpMinimum) },
        schedule("schedule.quality_recheck", "HELIO_SCHEDULE_QUALITY_RECHECK", expectation: cron,
                 "when to re-check the last 7 days of facts and readings against the rules (alert on a difference); off disables") {
                     $0.qualityRecheck ?? "off" },
        schedule("schedule.shadow_rebuild", "HELIO_SCHEDULE_SHADOW_REBUILD", expectation: cron,
                 "when to rebuild the warehouse from the topics into dw_shadow and compare it with the live one (alert on a difference); off disables") {
                     $0.shadowRebuild ?? "off" },
        schedule("alerts.webhook_url", "HELIO_ALERT_WEBHOOK_URL", secrecy: .endpointURL, expectation: "an http:// or https:// URL",
                 "alerts are also POSTed as JSON here") { $0.alertWebhookURL },
        schedule("alerts.webhook_attempts", "HELIO_ALERT_WEBHOOK_ATTEMPTS", expectation: "a whole number from 1",
                 "attempts per alert POST") { String($0.webhookAttempts) },
        schedule("alerts.webhook_timeout_seconds", "HELIO_ALERT_WEBHOOK_TIMEOUT_SECONDS", expectation: "a number of seconds",
                 "timeout of one alert POST") { ConfigurationKey.trimmed($0.webhookTimeoutSeconds) },
        schedule("alerts.repeat_seconds", "HELIO_ALERT_REPEAT_SECONDS", expectation: "a number of seconds",
                 "an alert still active is re-sent at most this often; 0 at every run") { ConfigurationKey.trimmed($0.alertRepeatSeconds) },
    ]

    private static let cron = "a cron expression (*/5 * * * *), @hourly, @every 30s, or off"

    private static func schedule(_ path: String, _ environment: String, secrecy: ConfigurationKey.Secrecy = .none, expectation: String,
                                 _ summary: String, render: @escaping @Sendable (ScheduleConfiguration) -> String?) -> ConfigurationKey {
        ConfigurationKey(path, environment, secrecy: secrecy, expectation: expectation, summary: summary,
                         assign: { config, value in
                             guard let row = ScheduleConfiguration.keys.first(where: { $0.name == environment }) else {
                                 throw ValueProblem(expected: expectation)
                             }
                             try row.set(&config.schedule, try value.scalar())
                         },
                         render: { render($0.schedule) })
    }
}
