import HelioOps
import HelioServer
import Logging
import ServiceLifecycle

/// /metrics, /healthz, /readyz and the status page of a service command, as a member of its
/// service group (nil when `HELIO_METRICS_ADDR` is off). Unset, the address is the role's
/// default (`OperatorRole`): capture and apply on one host get different ports.
enum OperatorEndpoint {
    static func service(_ config: HelioConfiguration, role: OperatorRole, logger: Logger) throws -> (any Service)? {
        let address = config.metricsAddress(for: role)
        guard !address.isEmpty, address != "off" else { return nil }
        let registry = OperatorServer.bootstrapMetrics()
        let service: any Service
        do {
            service = try OperatorServer.service(address: address, registry: registry, health: .shared,
                                                 quality: QualityPanelLoader.feed(config),
                                                 appliers: AppliersPanelLoader.feed(config, logger: logger), logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)   // a taken port is a configuration error: 64
        }
        logger.info("operator endpoint listening", metadata: ["address": "\(address)"])
        return service
    }
}
