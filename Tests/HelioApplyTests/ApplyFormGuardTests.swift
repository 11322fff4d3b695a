import HelioApply
import HelioOps
import Logging
import Testing

@Suite("Apply refuses topics it cannot read")
struct ApplyFormGuardTests {
    @Test("apply, replay and rebuild refuse capture.compatibility: debezium before connecting to anything")
    func refusesDebeziumForm() throws {
        var config = HelioConfiguration()
        config.compatibility = .debezium
        config.warehouseURL = "postgresql://127.0.0.1:1/none"
        config.kafkaBrokers = "127.0.0.1:1"
        config.piiKey = "k"
        #expect {
            try ApplyService(config: config, logger: Logger(label: "test")).run(shouldStop: { true })
        } throws: { error in
            "\(error)".contains("capture.compatibility") && "\(error)".contains("reads only Helio's own")
        }
    }
}
