/// An error from PostgreSQL or libpq, safe to log: it never carries the connection string
/// or a password, only what the server or libpq said and what to do about it.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The server could not be reached, or the connection broke.
        case connection
        /// The server refused the credentials.
        case authentication
        /// A statement failed; `sqlState` says why.
        case query
        /// The replication stream ended or carried an error.
        case replication
        /// The server answered something libpq or Helio did not expect.
        case protocolViolation
    }

    public var kind: Kind
    /// The server's or libpq's message, trimmed.
    public var message: String
    /// The five-character SQLSTATE when the server sent one.
    public var sqlState: String?
    /// What an operator should do, when Helio knows.
    public var advice: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, advice: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.advice = advice
    }

    /// Connection and replication failures heal by reconnecting; a failed statement does not.
    public var isRetriable: Bool {
        switch kind {
        case .connection, .replication: return true
        case .authentication, .query, .protocolViolation:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection.
            if let state = sqlState, state.hasPrefix("08") || state.hasPrefix("57P") { return true }
            return false
        }
    }

    public var description: String {
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let advice { text += " — \(advice)" }
        return text
    }
}
