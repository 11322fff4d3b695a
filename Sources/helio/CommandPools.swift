import HelioPostgres

/// Connection pools for the operator commands that run short statements: they reconnect with
/// backoff when the server blinks, check connections before use, and bound every statement,
/// so a command run from cron or a monitoring probe ends instead of hanging. Long-running
/// services (capture, apply, rebuild) keep their own connections and no statement timeout.
///
/// A `statement_timeout` in the URL's `options` overrides the one given here.
enum CommandPools {
    /// `helio status`, `helio snapshot`: a handful of quick statements, an answer within seconds.
    static func quick(_ url: String, applicationName: String) -> ConnectionPool {
        ConnectionPool(ConnectionOptions(url: url, applicationName: applicationName, statementTimeoutSeconds: 30),
                       configuration: .init(maximumConnections: 1, checkoutTimeoutSeconds: 5))
    }

    /// `helio verify`: statements that scan whole tables, three at a time per database.
    static func verification(_ url: String) -> ConnectionPool {
        ConnectionPool(ConnectionOptions(url: url, applicationName: "helio-verify", statementTimeoutSeconds: 1800),
                       configuration: .init(maximumConnections: 3, checkoutTimeoutSeconds: 30))
    }
}
