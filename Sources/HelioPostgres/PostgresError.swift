/// An error from PostgreSQL or libpq, safe to log: it never carries the connection string
/// or a password, only what the server or libpq said and what to do about it.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The server could not be reached, or the connection broke.
        case connection
        /// The server refused the credentials.
        case authentication
        /// TLS could not be set up as the connection string asks (`sslmode`, `sslrootcert`,
        /// client certificate): a configuration problem that reconnecting does not heal.
        case tls
        /// A connection setting is wrong: a URL libpq cannot parse, or a server parameter given
        /// at connect (`logical_decoding_work_mem`, the URL's `options=`) the server refuses.
        /// Reconnecting cannot heal it; the configuration must change (exit 64).
        case settings
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
        case .authentication, .tls, .settings, .query, .protocolViolation:
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection.
            if let state = sqlState, state.hasPrefix("08") || state.hasPrefix("57P") { return true }
            return false
        }
    }

    /// The transaction lost a race with another session (40001 serialization_failure, 40P01
    /// deadlock_detected): it was rolled back and may simply be run again.
    public var isConcurrencyConflict: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    /// The session is gone (or going): a lost connection, or the server's 57P01 admin_shutdown,
    /// 57P02 crash_shutdown, 08xxx connection errors, which libpq may report before it notices.
    public var isConnectionLoss: Bool {
        kind == .connection || kind == .replication
            || (sqlState.map { $0.hasPrefix("08") || $0.hasPrefix("57P") } ?? false)
    }

    public var description: String {
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let advice { text += " — \(advice)" }
        return text
    }
}

extension PostgresError {
    /// Classifies the text libpq gives for a failed connect, with advice. `options` supplies
    /// the TLS settings in force (never the password) and scrubs the password from `message`:
    /// libpq echoes a URL component it cannot parse, and that can be the password.
    static func connectFailure(_ rawMessage: String, options: ConnectionOptions) -> PostgresError {
        let message = options.scrub(rawMessage)
        let lowered = message.lowercased()
        if let advice = tlsAdvice(lowered, options: options) {
            return PostgresError(kind: .tls, message: message, advice: advice)
        }
        if lowered.contains("password authentication failed") || lowered.contains("no password supplied")
            || lowered.contains("pg_hba.conf") || lowered.contains("role") && lowered.contains("does not exist") {
            return PostgresError(kind: .authentication, message: message, sqlState: "28P01",
                                 advice: "check the user and password in the connection URL and the server's pg_hba.conf")
        }
        if lowered.contains("database") && lowered.contains("does not exist") {
            return PostgresError(kind: .query, message: message, sqlState: "3D000",
                                 advice: "create the database or fix its name in the connection URL")
        }
        // The server's FATAL at startup for an `-c name=value` it will not take.
        let refusedSetting = ["invalid value for parameter", "outside the valid range for parameter",
                              "unrecognized configuration parameter", "cannot be changed without restarting", "cannot be changed now"]
        if refusedSetting.contains(where: lowered.contains) {
            let state = lowered.contains("unrecognized") ? "42704" : lowered.contains("cannot be changed") ? "55P02" : "22023"
            return PostgresError(kind: .settings, message: message, sqlState: state,
                                 advice: "the server refuses a setting given at connect: correct capture.decoding_work_mem "
                                     + "(HELIO_DECODING_WORK_MEM, e.g. 64MB) or the options= of the connection URL")
        }
        if lowered.contains("invalid percent-encoded token") || lowered.contains("invalid uri")
            || lowered.contains("invalid connection option") || lowered.contains("missing \"=\"")
            || lowered.contains("invalid integer value") || lowered.contains("unterminated quoted string") {
            return PostgresError(kind: .settings, message: message,
                                 advice: "fix the connection URL (percent-encode special characters in the user and password)")
        }
        return PostgresError(kind: .connection, message: message,
                             advice: "check that the server is running and reachable at the configured host and port")
    }

    /// Advice for a TLS failure at connect, naming the settings involved; `nil` when the failure is not about TLS.
    /// ("SSL SYSCALL error" and "SSL connection has been closed" are a lost connection, not a TLS setting.)
    static func tlsAdvice(_ lowered: String, options: ConnectionOptions) -> String? {
        let mode = options.setting("sslmode") ?? "prefer"
        let rootCert = options.setting("sslrootcert").map { "sslrootcert=\($0)" } ?? "no sslrootcert (libpq then reads ~/.postgresql/root.crt)"
        if lowered.contains("certificate verify failed") {
            return "the server's certificate is not signed by a CA in the sslrootcert file (sslmode=\(mode), \(rootCert)); "
                + "point sslrootcert at the CA certificate that signed the server's certificate"
        }
        if lowered.contains("does not match host name") {
            return "sslmode=\(mode) checks the host name: connect with a name the certificate was issued for, "
                + "or have the server's certificate reissued with this host in its subject alternative names"
        }
        if lowered.contains("root certificate file") {
            return "sslmode=\(mode) verifies the server against a CA file: set sslrootcert in the URL to a readable PEM file "
                + "with the CA certificate that signed the server's certificate (now \(rootCert))"
        }
        if lowered.contains("server does not support ssl") {
            return "sslmode=\(mode) requires TLS: enable ssl on the server, or lower sslmode (not recommended outside loopback)"
        }
        if lowered.contains("invalid sslmode value") {
            return "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full (use verify-full with sslrootcert)"
        }
        if lowered.contains("certificate file") || lowered.contains("private key file") || lowered.contains("client certificate") {
            return "check sslcert and sslkey in the URL: both readable, the key file not readable by group or others (chmod 600)"
        }
        // Only reasons that are settings: "SSL error: unexpected eof while reading" and
        // "SSL SYSCALL error" are a server going away mid-handshake (a restart), which heals.
        let settingReasons = ["unknown ca", "bad certificate", "certificate required", "unsupported protocol",
                              "no protocols available", "handshake failure", "wrong version number"]
        if lowered.contains("ssl error"), settingReasons.contains(where: lowered.contains) {
            return "TLS negotiation failed (sslmode=\(mode), \(rootCert)); check the server's ssl settings "
                + "(ssl_min_protocol_version, its certificate) against the client's"
        }
        return nil
    }
}
