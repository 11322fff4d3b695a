import HelioPostgres

/// `helio verify` on its own pools: the checks scan whole tables, so they run three at a time
/// per database, each statement bounded (30 minutes) so that a verification run from cron
/// ends instead of hanging. A `statement_timeout` in the URL's `options` overrides it.
extension WarehouseVerifier {
    /// Every difference between the source at `sourceURL` and the warehouse at `warehouseURL`
    /// (see `verify(progress:)`); the pools are closed before it returns.
    public static func verify(sourceURL: String, warehouseURL: String, piiKey: String, timezone: String, sampleMinutes: Int,
                              progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [Difference] {
        let source = verificationPool(sourceURL)
        let warehouse = verificationPool(warehouseURL)
        defer { source.close(); warehouse.close() }
        return try WarehouseVerifier(source: source, warehouse: warehouse, piiKey: piiKey, timezone: timezone, sampleMinutes: sampleMinutes)
            .verify(progress: progress)
    }

    static func verificationPool(_ url: String) -> ConnectionPool {
        ConnectionPool(ConnectionOptions(url: url, applicationName: "helio-verify", statementTimeoutSeconds: 1800),
                       configuration: .init(maximumConnections: 3, checkoutTimeoutSeconds: 30))
    }
}
