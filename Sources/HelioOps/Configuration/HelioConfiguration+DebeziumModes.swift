extension HelioConfiguration {
    /// The value modes and the schemas change only the debezium form: set with Helio's own form
    /// they would do nothing, and a user who set them expects them to. Checked where the form is
    /// chosen for good (capture and apply start; `--debezium-properties` may set the form
    /// after the keys are read).
    public func checkDebeziumValueModes() throws {
        let modes = [decimalHandlingMode != .precise ? "capture.decimal_handling_mode: \(decimalHandlingMode.rawValue)" : nil,
                     timePrecisionMode != .adaptive ? "capture.time_precision_mode: \(timePrecisionMode.rawValue)" : nil,
                     debeziumSchemas ? "capture.debezium_schemas: true" : nil].compactMap { $0 }
        guard compatibility == .helio, !modes.isEmpty else { return }
        let set = modes.joined(separator: " and ")
        throw ConfigurationError(key: "capture.compatibility", problem: """
            is helio, but \(set) applies only to capture.compatibility: debezium (Helio's own form writes numerics \
            and times as the data contract's text, and no schemas); set HELIO_COMPATIBILITY=debezium, or remove it \
            (HELIO_DECIMAL_HANDLING_MODE / HELIO_TIME_PRECISION_MODE / HELIO_DEBEZIUM_SCHEMAS)
            """)
    }
}
