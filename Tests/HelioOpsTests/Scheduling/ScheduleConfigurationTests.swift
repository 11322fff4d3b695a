import Foundation
import HelioOps
import Testing

@Suite("Schedule configuration")
struct ScheduleConfigurationTests {
    func read(_ environment: [String: String]) throws -> ScheduleConfiguration {
        var schedule = ScheduleConfiguration()
        try schedule.apply(environment: environment)
        return schedule
    }

    func problem(_ environment: [String: String]) -> String? {
        do {
            _ = try read(environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("defaults: every check on, UTC, no webhook")
    func defaults() throws {
        let schedule = try read([:])
        #expect(schedule == ScheduleConfiguration())
        #expect(try HelioConfiguration.fromEnvironment(["HELIO_STALL_SECONDS": "42"]).schedule.stallSeconds == 42, "the main reader reads these keys")
        #expect(schedule.enabled && schedule.timeZone == "UTC" && schedule.alertWebhookURL == nil)
        #expect(schedule.reconciliation == "0 3 * * *" && schedule.slotWatchdog == "* * * * *")
        #expect(schedule.slotWarningBytes == 1 << 30 && schedule.slotAlertBytes == 8 << 30)
    }

    @Test("variables set schedules, thresholds, the zone; off disables a job; the webhook comes from a file")
    func readsVariables() throws {
        let secret = NSTemporaryDirectory() + "helio-webhook-\(UUID().uuidString)"
        try "https://hooks.example.com/services/T0/B0/s3cr3t\n".write(toFile: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let schedule = try read([
            "HELIO_SCHEDULE_TIMEZONE": "America/Sao_Paulo", "HELIO_SCHEDULE_RECONCILIATION": "@daily",
            "HELIO_SCHEDULE_SLOT_WATCHDOG": "*/2 * * * *", "HELIO_SCHEDULE_DLQ_CHECK": "off",
            "HELIO_SLOT_WARNING_BYTES": "1000", "HELIO_SLOT_ALERT_BYTES": "2000", "HELIO_STALL_SECONDS": "90",
            "HELIO_ALERT_WEBHOOK_URL_FILE": secret, "HELIO_ALERT_WEBHOOK_ATTEMPTS": "3", "HELIO_ALERT_REPEAT_SECONDS": "0",
        ])
        #expect(schedule.timeZone == "America/Sao_Paulo")
        #expect(schedule.reconciliation == "@daily" && schedule.slotWatchdog == "*/2 * * * *" && schedule.deadLetterCheck == nil)
        #expect(schedule.slotWarningBytes == 1000 && schedule.slotAlertBytes == 2000 && schedule.stallSeconds == 90)
        #expect(schedule.alertWebhookURL == "https://hooks.example.com/services/T0/B0/s3cr3t")
        #expect(schedule.webhookAttempts == 3 && schedule.alertRepeatSeconds == 0)
        #expect(try schedule.parse("0 9 * * *").next(after: utc("2026-06-01T00:00:00Z")) == utc("2026-06-01T12:00:00Z"))
        #expect(try !read(["HELIO_SCHEDULE_ENABLED": "false"]).enabled)
    }

    @Test("bad values name the variable and the cron field; a bad webhook URL is not echoed")
    func errors() {
        #expect(problem(["HELIO_SCHEDULE_SLOT_WATCHDOG": "*/5 * * *"])
                == "configuration: HELIO_SCHEDULE_SLOT_WATCHDOG cron expression '*/5 * * *': has 4 fields; expected 5: minute hour day-of-month month day-of-week")
        #expect(problem(["HELIO_SCHEDULE_RECONCILIATION": "0 25 * * *"])
                == "configuration: HELIO_SCHEDULE_RECONCILIATION cron hour '25': 25 is outside 0-23")
        #expect(problem(["HELIO_SCHEDULE_TIMEZONE": "Mars/Olympus"])?.contains("HELIO_SCHEDULE_TIMEZONE") == true)
        #expect(problem(["HELIO_SLOT_WARNING_BYTES": "10", "HELIO_SLOT_ALERT_BYTES": "5"])?.contains("HELIO_SLOT_ALERT_BYTES") == true)
        #expect(problem(["HELIO_STALL_SECONDS": "soon"]) == "configuration: HELIO_STALL_SECONDS 'soon' is not a number")
        let webhook = problem(["HELIO_ALERT_WEBHOOK_URL": "hooks.example.com/token-abc"])
        #expect(webhook == "configuration: HELIO_ALERT_WEBHOOK_URL is not an http:// or https:// URL")
        #expect(webhook?.contains("token-abc") == false)
    }

    @Test("the webhook is shown as scheme, host and port only")
    func redaction() {
        #expect(ScheduleConfiguration.redactWebhook("https://hooks.example.com/services/T0/B0/s3cr3t") == "https://hooks.example.com/… (redacted)")
        #expect(ScheduleConfiguration.redactWebhook("http://user:pw@127.0.0.1:8080/alert?token=abc") == "http://127.0.0.1:8080/… (redacted)")
        #expect(ScheduleConfiguration.redactWebhook("not a url with token abc") == "(set, redacted)")
    }
}
