import HelioOps
import HelioServer
import Logging

/// Starts /metrics, /healthz, /readyz and the status page for a service command.
enum OperatorEndpoint {
    static func start(_ config: HelioConfiguration, logger: Logger) throws {
        guard !config.metricsAddress.isEmpty, config.metricsAddress != "off" else { return }
        let registry = OperatorServer.bootstrapMetrics()
        try OperatorServer.start(address: config.metricsAddress, registry: registry, health: .shared, logger: logger)
        logger.info("operator endpoint listening", metadata: ["address": "\(config.metricsAddress)"])
    }
}
