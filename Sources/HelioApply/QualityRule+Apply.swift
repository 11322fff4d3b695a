import HelioEvents
import HelioOps

extension QualityRule {
    /// The rule as `dw.apply_staged` reads it from `p_config.quality_rules` (`dw._quality_check`).
    var applyJSON: JSONValue {
        .object(JSONObject(jsonFields.map { name, text, list in
            (name, list.map { .array($0.map { .string($0) }) } ?? .string(text ?? ""))
        }))
    }
}
