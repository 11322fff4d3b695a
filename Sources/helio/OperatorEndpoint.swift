import HelioOps
import HelioServer
import Logging
import ServiceLifecycle

/// /metrics, /healthz, /readyz and the status page of a service command, as a member of its
/// service group (nil when `HELIO_METRICS_ADDR` is off).
enum OperatorEndpoint {
    static func service(_ config: HelioConfiguration, logger: Logger) throws -> (any Service)? {
        guard !config.metricsAddress.isEmpty, config.metricsAddress != "off" else { return nil }
        let registry = OperatorServer.bootstrapMetrics()
        let service: any Service
        do {
            service = try OperatorServer.service(address: config.metricsAddress, registry: registry, health: .shared, logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)   // a taken port is a configuration error: 64
        }
        logger.info("operator endpoint listening", metadata: ["address": "\(config.metricsAddress)"])
        return service
    }
}
