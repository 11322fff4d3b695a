import HelioOps
import Logging
import ServiceLifecycle

/// Runs a service command's loops in one `ServiceGroup` with SIGTERM and SIGINT as
/// graceful-shutdown signals. Any service ending, normally or with an error, shuts the others
/// down gracefully (they drain); the first error is rethrown for `exitStatus(for:)`, so exit
/// codes stay those of docs/operations.md.
///
/// The operator endpoint, when there is one, comes first: the group shuts services down last
/// first, so it answers /readyz and /metrics until the loops have drained.
enum ServiceRunner {
    static func run(_ services: [BlockingService], endpoint: (any Service)? = nil, logger: Logger) async throws {
        let members: [any Service] = (endpoint.map { [$0] } ?? []) + services.map { $0 as any Service }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: members.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
