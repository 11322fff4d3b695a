import HelioOps
import Logging
import ServiceLifecycle

/// Runs a service command's loops in one `ServiceGroup` with SIGTERM and SIGINT as
/// graceful-shutdown signals. Any service ending, normally or with an error, shuts the others
/// down gracefully (they drain); the first error is rethrown for `exitStatus(for:)`, so exit
/// codes stay those of docs/operations.md.
enum ServiceRunner {
    static func run(_ services: [BlockingService], logger: Logger) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
