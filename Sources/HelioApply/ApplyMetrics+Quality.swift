import HelioEvents
import Metrics

extension ApplyMetrics {
    /// Counts the batch's rule violations from `dw.apply_staged`'s stats (`quality`: one
    /// `{"table", "rule", "n"}` per table and rule that failed in the batch, flag and warn alike).
    func qualityViolations(stats: String) {
        applyErrors(stats: stats)
        guard let entries = (try? JSONValue.parse(stats))?["quality"]?.arrayValue else { return }
        for entry in entries {
            guard let table = entry["table"]?.stringValue, let rule = entry["rule"]?.stringValue,
                  let count = entry["n"]?.intValue, count > 0 else { continue }
            Counter(label: "helio_quality_violations_total", dimensions: [("rule", rule), ("table", table)]).increment(by: count)
        }
    }

    /// The changes `dw.apply_batch` could not apply and held in quarantine (`isolated`), each
    /// also counted as a violation of rule `apply_error`.
    static func isolated(stats: String) -> [(table: String, rowID: String, lsn: String, error: String)] {
        guard let entries = (try? JSONValue.parse(stats))?["isolated"]?.arrayValue else { return [] }
        return entries.map { entry in
            (entry["table"]?.stringValue ?? "?", entry["row_id"].map { $0.intValue.map(String.init) ?? "?" } ?? "?",
             entry["lsn"]?.stringValue ?? "?", entry["error"]?.stringValue ?? "")
        }
    }

    func applyErrors(stats: String) {
        for held in Self.isolated(stats: stats) {
            Counter(label: "helio_quality_violations_total", dimensions: [("rule", "apply_error"), ("table", held.table)]).increment()
        }
    }
}
