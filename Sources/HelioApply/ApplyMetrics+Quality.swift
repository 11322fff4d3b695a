import HelioEvents
import Metrics

extension ApplyMetrics {
    /// Counts the batch's rule violations from `dw.apply_staged`'s stats (`quality`: one
    /// `{"table", "rule", "n"}` per table and rule that failed in the batch, flag and warn alike).
    func qualityViolations(stats: String) {
        guard let entries = (try? JSONValue.parse(stats))?["quality"]?.arrayValue else { return }
        for entry in entries {
            guard let table = entry["table"]?.stringValue, let rule = entry["rule"]?.stringValue,
                  let count = entry["n"]?.intValue, count > 0 else { continue }
            Counter(label: "helio_quality_violations_total", dimensions: [("rule", rule), ("table", table)]).increment(by: count)
        }
    }
}
