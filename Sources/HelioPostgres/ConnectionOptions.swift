import Foundation

/// How to reach a PostgreSQL server. The URL holds credentials, so this type never prints it.
public struct ConnectionOptions: Sendable, CustomStringConvertible {
    /// A libpq connection URL or keyword/value string (`postgresql://user:pw@host:5432/db?sslmode=verify-full`).
    public var url: String
    /// Shown in `pg_stat_activity` and `pg_stat_replication`.
    public var applicationName: String
    public var connectTimeoutSeconds: Int
    /// Open a `replication=database` connection (walsender) instead of a regular one.
    public var replication: Bool
    /// Extra server settings sent at connect time (`-c name=value`).
    public var settings: [String: String]

    public init(
        url: String,
        applicationName: String = "helio",
        connectTimeoutSeconds: Int = 10,
        replication: Bool = false,
        settings: [String: String] = [:]
    ) {
        self.url = url
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.replication = replication
        self.settings = settings
    }

    /// The URL with its password replaced, for logs and `config check`.
    public var redactedURL: String { Self.redact(url) }

    public var description: String { redactedURL }

    /// Hides the password of a `postgresql://user:password@host` URL or a `password=` keyword.
    public static func redact(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") {
            let userinfo = text[scheme.upperBound..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        if let range = text.range(of: "password=") {
            let end = text[range.upperBound...].firstIndex(where: { $0 == " " || $0 == "&" }) ?? text.endIndex
            text.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return text
    }
}
