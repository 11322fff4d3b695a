import Foundation

/// The scheduled checks a service runs and where their alerts go, with documented defaults
/// (docs/configuration.md, "Scheduled checks and alerts"). Reading it from `HELIO_*`
/// variables lives in `HelioConfiguration+Schedule.swift`; this type only holds values.
///
/// A schedule is a cron expression (`*/5 * * * *`), a shorthand (`@hourly`, `@every 30s`),
/// or nil for off. Each process runs the checks that concern it: capture the slot watchdog
/// and its own stall check, apply reconciliation, its stall check and DLQ growth; `helio run`
/// all of them.
public struct ScheduleConfiguration: Sendable, Equatable {
    /// Run no scheduled job at all.
    public var enabled = true
    /// The time zone cron expressions are read in (an IANA name).
    public var timeZone = "UTC"

    /// Compare the warehouse with the source (`helio verify`) and alert on differences. Daily
    /// at 03:00: a full comparison reads every dimension and ledger row on both sides.
    public var reconciliation: String? = "0 3 * * *"
    /// A difference must still be there this many seconds later to be reported: changes in
    /// flight through the pipeline show as differences for a moment.
    public var reconciliationConfirmSeconds = 60.0

    /// Watch the WAL the replication slot retains.
    public var slotWatchdog: String? = "* * * * *"
    /// Warning above this much retained WAL (bytes).
    public var slotWarningBytes: Int64 = 1 << 30
    /// Alert (critical) above this much retained WAL (bytes): before the source's disk fills.
    public var slotAlertBytes: Int64 = 8 << 30

    /// Alert when capture or apply has made no progress for `stallSeconds` while there is work.
    public var stallCheck: String? = "* * * * *"
    public var stallSeconds = 600.0

    /// Alert when records were dead-lettered since the previous check.
    public var deadLetterCheck: String? = "*/5 * * * *"

    /// Alert when a data-quality rule's flags in the last hour jump above its hourly average
    /// over the day before (`QualityRateJumpCheck`). Every 15 minutes: each run reads the
    /// last 25 hours of flagged rows.
    public var qualityCheck: String? = "*/15 * * * *"
    /// A jump: the last hour's flags at least this many times the hourly average before.
    public var qualityJumpRatio = 5.0
    /// ... and at least this many flags in the last hour, so that a rule going from 1 to 6
    /// flags an hour does not page anyone.
    public var qualityJumpMinimum = 20
    /// Re-check every fact row and reading changed in the last 7 days against the rules, and
    /// alert on a violation the warehouse does not show or a flag that no longer holds
    /// (`QualityRecheckCheck`, the seed's weekly validation). Mondays at 03:00.
    public var qualityRecheck: String? = "0 3 * * 1"
    /// Rebuild the warehouse from the topics into `dw_shadow` and compare it with the live one
    /// (`ShadowRebuildCheck`, the seed's backup verification). The 1st of each month at 04:00.
    public var shadowRebuild: String? = "0 4 1 * *"

    /// Alerts are also POSTed as JSON here. Secret (the URL usually holds a token): never
    /// logged or printed; use `HELIO_ALERT_WEBHOOK_URL_FILE`.
    public var alertWebhookURL: String?
    public var webhookAttempts = 5
    public var webhookTimeoutSeconds = 10.0
    /// An alert that stays active (same check, same severity) is re-sent at most this often;
    /// 0 sends it at every run.
    public var alertRepeatSeconds = 3_600.0

    public init() {}

    /// The URL reduced to scheme, host and port: what logs and `config check` may show.
    public static func redactWebhook(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "(set, redacted)"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)/… (redacted)"
    }

    /// The parsed schedule of a job's expression, in `timeZone`.
    public func parse(_ expression: String) throws(CronError) -> JobSchedule {
        try JobSchedule.parse(expression, timeZone: TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!)
    }
}
