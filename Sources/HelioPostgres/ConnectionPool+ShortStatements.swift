/// The pool of operator commands that run a handful of quick statements (`helio status`,
/// `helio snapshot`): it reconnects with backoff when the server blinks, checks connections
/// before use, and bounds every statement, so a command run from cron or a monitoring probe
/// ends instead of hanging. Long-running services (capture, apply, rebuild) keep their own
/// connections and no statement timeout.
extension ConnectionPool {
    /// One connection, an answer within seconds: a 5 s checkout (connect retries included)
    /// and 30 s statements. A `statement_timeout` in the URL's `options` overrides the latter.
    public static func shortStatements(url: String, applicationName: String) -> ConnectionPool {
        ConnectionPool(ConnectionOptions(url: url, applicationName: applicationName, statementTimeoutSeconds: 30),
                       configuration: .init(maximumConnections: 1, checkoutTimeoutSeconds: 5))
    }
}
