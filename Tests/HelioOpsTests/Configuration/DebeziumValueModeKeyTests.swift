@testable import HelioOps
import Testing

@Suite("Configuration: capture.decimal_handling_mode and capture.time_precision_mode")
struct DebeziumValueModeKeyTests {
    @Test("Debezium's defaults; every Debezium value from the variable or the flag")
    func values() throws {
        #expect(HelioConfiguration().decimalHandlingMode == .precise)
        #expect(HelioConfiguration().timePrecisionMode == .adaptive)
        let loaded = try load(environment: ["HELIO_COMPATIBILITY": "debezium", "HELIO_DECIMAL_HANDLING_MODE": "string",
                                            "HELIO_TIME_PRECISION_MODE": "adaptive_time_microseconds"])
        #expect(loaded.configuration.decimalHandlingMode == .string)
        #expect(loaded.configuration.timePrecisionMode == .adaptiveTimeMicroseconds)
        #expect(loaded.origin(of: "capture.decimal_handling_mode") == .environment(name: "HELIO_DECIMAL_HANDLING_MODE"))
        let flags = try load(flags: ["capture.compatibility": "debezium", "capture.decimal_handling_mode": "double",
                                     "capture.time_precision_mode": "Connect"])
        #expect(flags.configuration.decimalHandlingMode == .double && flags.configuration.timePrecisionMode == .connect)
        #expect(HelioConfiguration.key("capture.decimal_handling_mode")?.flag == "decimal-handling-mode")
        #expect(HelioConfiguration.key("capture.time_precision_mode")?.flag == "time-precision-mode")
        try flags.configuration.checkDebeziumValueModes()
    }

    @Test("another value is refused, naming the choices")
    func refused() {
        let text = loadFailure(environment: ["HELIO_TIME_PRECISION_MODE": "nanoseconds"]) ?? ""
        #expect(text.contains("capture.time_precision_mode") && text.contains("adaptive, adaptive_time_microseconds, connect"), "\(text)")
        let decimal = loadFailure(environment: ["HELIO_DECIMAL_HANDLING_MODE": "float"]) ?? ""
        #expect(decimal.contains("precise, double, string"), "\(decimal)")
    }

    @Test("with Helio's own form a mode other than Debezium's default is an error with advice (capture and apply check it)")
    func onlyWithTheDebeziumForm() throws {
        let helio = try load(environment: ["HELIO_DECIMAL_HANDLING_MODE": "string"]).configuration
        do {
            try helio.checkDebeziumValueModes()
            Issue.record("decimal_handling_mode string was accepted with the helio form")
        } catch {
            let text = "\(error)"
            #expect(text.contains("capture.decimal_handling_mode: string") && text.contains("HELIO_COMPATIBILITY=debezium"), "\(text)")
        }
        // The defaults, written out, are fine with either form.
        try load(environment: ["HELIO_DECIMAL_HANDLING_MODE": "precise", "HELIO_TIME_PRECISION_MODE": "adaptive"])
            .configuration.checkDebeziumValueModes()
    }
}
