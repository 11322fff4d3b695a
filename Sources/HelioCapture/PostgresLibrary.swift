import HelioPostgres

/// The libpq this process loaded, which every command logs when it starts (beside
/// HelioKafka's `KafkaLibrary`): the CLI does not import HelioPostgres.
public enum PostgresLibrary {
    /// libpq's version number, e.g. 150004 for 15.4.
    public static var version: Int { PostgresConnection.libraryVersion }
}
