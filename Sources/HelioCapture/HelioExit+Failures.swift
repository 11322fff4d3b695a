import HelioKafka
import HelioOps
import HelioPostgres

/// Which exit status a command's failure calls for (docs/operations.md lists them). It lives
/// beside the pipeline rather than in HelioOps because it must tell the clients' errors apart,
/// and the CLI, which maps failures to exit statuses with it, does not import HelioPostgres.
extension HelioExit {
    /// 69 when a server could not be reached or refused the credentials (restarting may help
    /// later); 64 when the configuration must change (a missing or wrong key, a connection
    /// setting PostgreSQL refuses, a property librdkafka refuses); 70 for anything else.
    public static func status(for error: any Error) -> Int32 {
        switch error {
        case let error as PostgresError where error.kind == .connection || error.kind == .authentication:
            return unavailable
        case is ConfigurationError:
            return configuration
        case let error as PostgresError where error.kind == .settings:
            return configuration
        case let error as KafkaError where error.isConfiguration:
            return configuration
        default:
            return needsOperator
        }
    }
}
