import HelioPostgres

/// Where the verifier's statements run: one connection (checks run in turn, since a libpq
/// connection serves one thread) or a connection pool (checks run side by side, each
/// statement on a healthy pooled connection, reconnecting with backoff if the server blinks).
public struct VerifierDatabase: Sendable {
    enum Target: Sendable {
        case connection(PostgresConnection)
        case pool(ConnectionPool)
    }

    let target: Target

    public static func connection(_ connection: PostgresConnection) -> VerifierDatabase { VerifierDatabase(target: .connection(connection)) }
    public static func pool(_ pool: ConnectionPool) -> VerifierDatabase { VerifierDatabase(target: .pool(pool)) }

    /// How many checks may use this database at once.
    var concurrency: Int {
        switch target {
        case .connection: 1
        case .pool(let pool): pool.configuration.maximumConnections
        }
    }

    func execute(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult {
        try run { try $0.execute(sql, parameters) }
    }

    func quoteLiteral(_ value: String) throws -> String {
        try run { $0.quoteLiteral(value) }
    }

    private func run<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        switch target {
        case .connection(let connection): try body(connection)
        case .pool(let pool): try pool.withConnection(body)
        }
    }
}
