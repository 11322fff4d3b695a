/// The Debezium connector settings that change how column values are written, beside its
/// defaults (`decimal.handling.mode=precise`, `time.precision.mode=adaptive`). Capture's
/// debezium form encodes with them and apply reads with them: both take them from the same
/// configuration (`capture.decimal_handling_mode`, `capture.time_precision_mode`).
public struct DebeziumSettings: Sendable, Equatable {
    /// `decimal.handling.mode`: how `numeric` is written.
    public enum DecimalHandling: String, Sendable, CaseIterable {
        /// Kafka Connect's `Decimal`: base64 of the unscaled bytes (``DebeziumDecimal``).
        case precise
        /// A JSON number, `BigDecimal.doubleValue()` in Java's notation: digits beyond a
        /// double's 15–17 are lost.
        case double
        /// `BigDecimal.toPlainString()`: the decimal's text, as a JSON string.
        case string
    }

    /// `time.precision.mode`: how `time` and `timestamp` are written (`date` is days since the
    /// epoch in all three; `timestamptz`, `timetz` and `interval` do not depend on it).
    public enum TimePrecision: String, Sendable, CaseIterable {
        /// ms for a declared precision of 0–3, µs otherwise.
        case adaptive
        /// `time` always in µs; `timestamp` as `adaptive`.
        case adaptiveTimeMicroseconds = "adaptive_time_microseconds"
        /// Kafka Connect's `Time` (ms since midnight) and `Timestamp` (epoch ms), whatever the
        /// precision: microseconds are dropped (rounded down).
        case connect
    }

    public var decimalHandling: DecimalHandling
    public var timePrecision: TimePrecision

    public init(decimalHandling: DecimalHandling = .precise, timePrecision: TimePrecision = .adaptive) {
        self.decimalHandling = decimalHandling
        self.timePrecision = timePrecision
    }

    /// Debezium's defaults.
    public static let defaults = DebeziumSettings()
}
