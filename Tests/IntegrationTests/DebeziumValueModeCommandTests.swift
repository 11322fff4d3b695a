import Foundation
import Testing

/// `capture.decimal_handling_mode` / `capture.time_precision_mode` other than Debezium's
/// defaults with Helio's own form: config check, capture and apply refuse them (exit 64, what to
/// do), before anything is reached. The built binary, no stack needed: the check comes first.
@Suite("Debezium value modes need the debezium form (the built binary)")
struct DebeziumValueModeCommandTests {
    static let urls = ["HELIO_SOURCE_URL": "postgresql://nobody@127.0.0.1:1/none", "HELIO_WAREHOUSE_URL": "postgresql://nobody@127.0.0.1:1/none",
                       "HELIO_KAFKA_BROKERS": "127.0.0.1:1", "HELIO_PII_KEY": "k", "HELIO_METRICS_ADDR": "off"]

    @Test("config check --offline names both keys and the advice; with the debezium form it passes and shows them")
    func configCheck() throws {
        let refused = try ConfigCheckTests.helio(["config", "check", "--offline"], environment: ["HELIO_TIME_PRECISION_MODE": "connect"])
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.contains("capture.time_precision_mode: connect applies only to capture.compatibility: debezium"), "\(refused.output)")
        #expect(refused.output.contains("HELIO_COMPATIBILITY=debezium"), "\(refused.output)")
        let accepted = try ConfigCheckTests.helio(["config", "check", "--offline", "--compatibility", "debezium", "--time-precision-mode", "connect",
                                                   "--decimal-handling-mode", "string"])
        #expect(accepted.status == 0, "\(accepted.output)")
        let rows = ConfigCheckTests.rows(accepted.output)
        #expect(rows["capture.time_precision_mode"]?.value == "connect" && rows["capture.decimal_handling_mode"]?.value == "string")
    }

    @Test("capture and apply stop with exit 64 before connecting", arguments: ["capture", "apply"])
    func services(command: String) throws {
        let run = try ConfigCheckTests.helio([command], environment: Self.urls.merging(["HELIO_DECIMAL_HANDLING_MODE": "double"]) { $1 })
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains("capture.decimal_handling_mode: double applies only to capture.compatibility: debezium"), "\(run.output)")
    }
}
