import Foundation

/// Reads `ScheduleConfiguration` from `HELIO_*` environment variables (and `*_FILE` files),
/// self-contained: every key is one row of `ScheduleConfiguration.keys`, so another reader
/// (a YAML file) can map its own keys onto the same rows.
///
/// | variable | sets |
/// |---|---|
/// | `HELIO_SCHEDULE_ENABLED` | `enabled` (`0`, `false`, `no`, `off` disable) |
/// | `HELIO_SCHEDULE_TIMEZONE` | `timeZone` |
/// | `HELIO_SCHEDULE_RECONCILIATION` | `reconciliation` (`off` disables) |
/// | `HELIO_RECONCILIATION_CONFIRM_SECONDS` | `reconciliationConfirmSeconds` |
/// | `HELIO_SCHEDULE_SLOT_WATCHDOG` | `slotWatchdog` (`off` disables) |
/// | `HELIO_SLOT_WARNING_BYTES` | `slotWarningBytes` |
/// | `HELIO_SLOT_ALERT_BYTES` | `slotAlertBytes` |
/// | `HELIO_SCHEDULE_STALL_CHECK` | `stallCheck` (`off` disables) |
/// | `HELIO_STALL_SECONDS` | `stallSeconds` |
/// | `HELIO_SCHEDULE_DLQ_CHECK` | `deadLetterCheck` (`off` disables) |
/// | `HELIO_SCHEDULE_QUALITY_CHECK` | `qualityCheck` (`off` disables) |
/// | `HELIO_QUALITY_JUMP_RATIO` | `qualityJumpRatio` |
/// | `HELIO_QUALITY_JUMP_MIN_VIOLATIONS` | `qualityJumpMinimum` |
/// | `HELIO_SCHEDULE_QUALITY_RECHECK` | `qualityRecheck` (`off` disables) |
/// | `HELIO_SCHEDULE_SHADOW_REBUILD` | `shadowRebuild` (`off` disables) |
/// | `HELIO_ALERT_WEBHOOK_URL` (`_FILE`) | `alertWebhookURL` (secret) |
/// | `HELIO_ALERT_WEBHOOK_ATTEMPTS` | `webhookAttempts` |
/// | `HELIO_ALERT_WEBHOOK_TIMEOUT_SECONDS` | `webhookTimeoutSeconds` |
/// | `HELIO_ALERT_REPEAT_SECONDS` | `alertRepeatSeconds` |
extension ScheduleConfiguration {
    public struct Key: Sendable {
        public let name: String
        let set: @Sendable (inout ScheduleConfiguration, String) throws -> Void
    }

    public static let keys: [Key] = [
        Key(name: "HELIO_SCHEDULE_ENABLED") { $0.enabled = !["0", "false", "no", "off"].contains($1.lowercased()) },
        Key(name: "HELIO_SCHEDULE_TIMEZONE") { config, text in
            guard TimeZone(identifier: text) != nil else {
                throw ConfigurationError(key: "HELIO_SCHEDULE_TIMEZONE", problem: "'\(text)' is not a time zone name (e.g. UTC, America/Sao_Paulo)")
            }
            config.timeZone = text
        },
        Key(name: "HELIO_SCHEDULE_RECONCILIATION") { $0.reconciliation = schedule($1) },
        Key(name: "HELIO_RECONCILIATION_CONFIRM_SECONDS") { $0.reconciliationConfirmSeconds = try number($1, "HELIO_RECONCILIATION_CONFIRM_SECONDS") },
        Key(name: "HELIO_SCHEDULE_SLOT_WATCHDOG") { $0.slotWatchdog = schedule($1) },
        Key(name: "HELIO_SLOT_WARNING_BYTES") { $0.slotWarningBytes = try number($1, "HELIO_SLOT_WARNING_BYTES") },
        Key(name: "HELIO_SLOT_ALERT_BYTES") { $0.slotAlertBytes = try number($1, "HELIO_SLOT_ALERT_BYTES") },
        Key(name: "HELIO_SCHEDULE_STALL_CHECK") { $0.stallCheck = schedule($1) },
        Key(name: "HELIO_STALL_SECONDS") { $0.stallSeconds = try number($1, "HELIO_STALL_SECONDS") },
        Key(name: "HELIO_SCHEDULE_DLQ_CHECK") { $0.deadLetterCheck = schedule($1) },
        Key(name: "HELIO_SCHEDULE_QUALITY_CHECK") { $0.qualityCheck = schedule($1) },
        Key(name: "HELIO_QUALITY_JUMP_RATIO") { $0.qualityJumpRatio = try number($1, "HELIO_QUALITY_JUMP_RATIO") },
        Key(name: "HELIO_QUALITY_JUMP_MIN_VIOLATIONS") { $0.qualityJumpMinimum = try number($1, "HELIO_QUALITY_JUMP_MIN_VIOLATIONS") },
        Key(name: "HELIO_SCHEDULE_QUALITY_RECHECK") { $0.qualityRecheck = schedule($1) },
        Key(name: "HELIO_SCHEDULE_SHADOW_REBUILD") { $0.shadowRebuild = schedule($1) },
        Key(name: "HELIO_ALERT_WEBHOOK_URL") { config, text in
            guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                // The value may hold a token: name the key, never echo it.
                throw ConfigurationError(key: "HELIO_ALERT_WEBHOOK_URL", problem: "is not an http:// or https:// URL")
            }
            config.alertWebhookURL = text
        },
        Key(name: "HELIO_ALERT_WEBHOOK_ATTEMPTS") { $0.webhookAttempts = try number($1, "HELIO_ALERT_WEBHOOK_ATTEMPTS") },
        Key(name: "HELIO_ALERT_WEBHOOK_TIMEOUT_SECONDS") { $0.webhookTimeoutSeconds = try number($1, "HELIO_ALERT_WEBHOOK_TIMEOUT_SECONDS") },
        Key(name: "HELIO_ALERT_REPEAT_SECONDS") { $0.alertRepeatSeconds = try number($1, "HELIO_ALERT_REPEAT_SECONDS") },
    ]

    /// Applies the variables that are set (a `_FILE` variant is read when the plain one is
    /// unset or empty), then checks the result as a whole.
    public mutating func apply(environment: [String: String]) throws {
        for key in Self.keys {
            var text = environment[key.name].flatMap { $0.isEmpty ? nil : $0 }
            if text == nil, let path = environment[key.name + "_FILE"], !path.isEmpty {
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw ConfigurationError(key: key.name + "_FILE", problem: "cannot read the file \(path)")
                }
            }
            if let text { try key.set(&self, text) }
        }
        try validate()
    }

    /// Every schedule parses in the time zone, and the numbers make sense together.
    public func validate() throws {
        let schedules = [("HELIO_SCHEDULE_RECONCILIATION", reconciliation), ("HELIO_SCHEDULE_SLOT_WATCHDOG", slotWatchdog),
                         ("HELIO_SCHEDULE_STALL_CHECK", stallCheck), ("HELIO_SCHEDULE_DLQ_CHECK", deadLetterCheck),
                         ("HELIO_SCHEDULE_QUALITY_CHECK", qualityCheck), ("HELIO_SCHEDULE_QUALITY_RECHECK", qualityRecheck),
                         ("HELIO_SCHEDULE_SHADOW_REBUILD", shadowRebuild)]
        for case let (key, expression?) in schedules {
            do {
                _ = try parse(expression)
            } catch {
                throw ConfigurationError(key: key, problem: "\(error)")
            }
        }
        guard slotWarningBytes > 0, slotAlertBytes >= slotWarningBytes else {
            throw ConfigurationError(key: "HELIO_SLOT_ALERT_BYTES", problem: "must be at least HELIO_SLOT_WARNING_BYTES (and both above 0)")
        }
        guard webhookAttempts >= 1 else { throw ConfigurationError(key: "HELIO_ALERT_WEBHOOK_ATTEMPTS", problem: "must be at least 1") }
        guard webhookTimeoutSeconds > 0 else { throw ConfigurationError(key: "HELIO_ALERT_WEBHOOK_TIMEOUT_SECONDS", problem: "must be above 0") }
        guard qualityJumpRatio > 1, qualityJumpRatio.isFinite else {
            throw ConfigurationError(key: "HELIO_QUALITY_JUMP_RATIO", problem: "must be above 1 (5: five times the hourly average)")
        }
        guard qualityJumpMinimum >= 1 else { throw ConfigurationError(key: "HELIO_QUALITY_JUMP_MIN_VIOLATIONS", problem: "must be at least 1") }
        guard stallSeconds > 0 else { throw ConfigurationError(key: "HELIO_STALL_SECONDS", problem: "must be above 0") }
        guard reconciliationConfirmSeconds >= 0 else {
            throw ConfigurationError(key: "HELIO_RECONCILIATION_CONFIRM_SECONDS", problem: "must not be negative")
        }
    }

    /// `off` (or `none`, `disabled`) turns a job off; anything else is checked by `validate`.
    static func schedule(_ text: String) -> String? {
        ["off", "none", "disabled"].contains(text.lowercased()) ? nil : text
    }

    static func number<T: LosslessStringConvertible>(_ text: String, _ key: String) throws -> T {
        guard let value = T(text) else { throw ConfigurationError(key: key, problem: "'\(text)' is not a number") }
        return value
    }
}
