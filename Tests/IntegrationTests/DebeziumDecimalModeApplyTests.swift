import Foundation
import HelioApply
import HelioOps
import HelioTestSupport
import Testing

/// `helio apply` on Debezium's record form written with `decimal.handling.mode` `string` and
/// `double` (`capture.decimal_handling_mode`, the same value for capture and apply) and a
/// non-default `time.precision.mode` (which the contract's tables do not show): the warehouse
/// comes out equal to the source, as with `precise` (DebeziumFormApplyTests). The contract's
/// numerics have at most 14 digits, within a double's precision, so `double` loses nothing here.
@Suite("Apply on Debezium's form with string and double decimals", .serialized)
struct DebeziumDecimalModeApplyTests {
    @Test("snapshot and a randomized workload leave the warehouse equal to the source",
          arguments: [HelioConfiguration.DecimalHandlingMode.string, .double])
    func warehouseEqualsSource(mode: HelioConfiguration.DecimalHandlingMode) throws {
        let env = try TestEnvironment("dbzmode")
        defer { env.drop() }
        var config = env.configuration()
        config.compatibility = .debezium
        config.decimalHandlingMode = mode
        config.timePrecisionMode = mode == .string ? .connect : .adaptiveTimeMicroseconds
        var workload = RandomWorkload(seed: mode == .string ? 31 : 37)
        try workload.seed(try env.source())   // before the slot: the initial snapshot's rows
        let pipeline = RunningPipeline(env, config: config)
        try workload.run(try env.source(), transactions: 60)
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        try pipeline.finish()
    }
}
