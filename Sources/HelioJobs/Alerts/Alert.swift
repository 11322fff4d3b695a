import Foundation

/// Something an operator must hear about, raised by a scheduled check.
public struct Alert: Sendable, Equatable {
    public enum Severity: String, Sendable, Comparable {
        /// Needs attention soon (logged at warning).
        case warning
        /// Needs attention now (logged at error).
        case critical

        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
    }

    /// The check that raised it: `reconciliation`, `slot_lag`, `stalled_pipeline`, `dead_letters`, `quality_jump`.
    public var check: String
    public var severity: Severity
    /// One line for the log message and the webhook's text.
    public var summary: String
    /// What was found, one line each (at most a few dozen).
    public var details: [String]
    /// The keys involved (rows, services, the slot), for the receiver to act on.
    public var keys: [String]
    /// Two raises with the same fingerprint are the same alert still active: the webhook hears
    /// of it again only after `alertRepeatSeconds`. Defaults to check and severity.
    public var fingerprint: String

    public init(check: String, severity: Severity, summary: String, details: [String] = [], keys: [String] = [], fingerprint: String? = nil) {
        self.check = check
        self.severity = severity
        self.summary = summary
        self.details = details
        self.keys = keys
        self.fingerprint = fingerprint ?? "\(check):\(severity.rawValue)"
    }
}
