import HelioPostgres

/// `helio config check`: whether the warehouse answers with these settings, and which server.
public enum WarehouseReachability {
    /// The server version number (e.g. 150004) of the warehouse at `url`, on a connection that
    /// must be made within `connectTimeoutSeconds`.
    public static func serverVersion(url: String, connectTimeoutSeconds: Int = 5) throws -> Int {
        try PostgresConnection(ConnectionOptions(url: url, connectTimeoutSeconds: connectTimeoutSeconds)).serverVersion
    }
}
