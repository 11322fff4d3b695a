import Foundation

/// The JSON body POSTed to the alert webhook. `text` makes it readable as-is by chat
/// webhooks (Slack, Mattermost); the other fields are for programs.
///
/// ```json
/// {"status":"firing","check":"slot_lag","severity":"warning","summary":"…","details":["…"],
///  "keys":["helio"],"text":"[helio warning] slot_lag: …","source":"helio.capture","host":"db1",
///  "at":"2026-05-01T03:00:00Z"}
/// ```
struct AlertPayload: Codable, Equatable {
    /// `firing`, or `resolved` when a check that alerted finds the condition gone.
    var status: String
    var check: String
    var severity: String
    var summary: String
    var details: [String]
    var keys: [String]
    var text: String
    /// The logger label of the process (`helio.capture`, `helio.apply`, `helio.run`).
    var source: String
    var host: String
    var at: String

    init(alert: Alert, status: String, source: String, host: String, at: Date) {
        self.status = status
        check = alert.check
        severity = alert.severity.rawValue
        summary = alert.summary
        details = alert.details
        keys = alert.keys
        text = status == "resolved" ? "[helio resolved] \(alert.check): \(alert.summary)" : "[helio \(alert.severity.rawValue)] \(alert.check): \(alert.summary)"
        self.source = source
        self.host = host
        self.at = at.formatted(.iso8601)
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings and arrays of strings: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
