extension HelioConfiguration {
    /// The two modes change only the debezium form's values: set with Helio's own form they
    /// would do nothing, and a user who set them expects them to. Checked where the form is
    /// chosen for good (capture and apply start; `--debezium-properties` may set the form
    /// after the keys are read).
    public func checkDebeziumValueModes() throws {
        let modes = [decimalHandlingMode != .precise ? "capture.decimal_handling_mode: \(decimalHandlingMode.rawValue)" : nil,
                     timePrecisionMode != .adaptive ? "capture.time_precision_mode: \(timePrecisionMode.rawValue)" : nil].compactMap { $0 }
        guard compatibility == .helio, !modes.isEmpty else { return }
        let set = modes.joined(separator: " and ")
        throw ConfigurationError(key: "capture.compatibility", problem: """
            is helio, but \(set) applies only to capture.compatibility: debezium (Helio's own form writes numerics \
            and times as the data contract's text); set HELIO_COMPATIBILITY=debezium, or remove the mode \
            (HELIO_DECIMAL_HANDLING_MODE / HELIO_TIME_PRECISION_MODE)
            """)
    }
}
