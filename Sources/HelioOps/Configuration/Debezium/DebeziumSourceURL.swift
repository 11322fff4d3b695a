import Foundation

/// Debezium's `database.*` keys as one libpq URL, `source.url`:
/// `postgresql://user:password@host:port/dbname?sslmode=…`. Every part is percent-encoded,
/// so a password with `@`, `:` or `/` stays one password.
enum DebeziumSourceURL {
    /// Debezium requires these three; so does Helio when the file has any `database.*` key.
    static let required = ["database.hostname", "database.user", "database.dbname"]

    static func setting(_ parts: [(keyword: String, value: String, key: String, line: Int)], file: String) throws -> DebeziumConnectorMapping.Setting {
        let given = Set(parts.map(\.key))
        if let missing = required.first(where: { !given.contains($0) }) {
            throw ConfigurationError(key: missing, problem: "is missing: with database.* keys Helio needs database.hostname, database.user and database.dbname (as Debezium does), or none of them and source.url set another way",
                                     source: "debezium properties \(file)")
        }
        var values: [String: String] = [:]
        for part in parts { values[part.keyword] = part.value }
        if let port = values["port"], UInt16(port) == nil {
            let line = parts.first { $0.keyword == "port" }?.line ?? 0
            throw ConfigurationError(key: "database.port", problem: "must be a port number, not '\(port)'", source: "debezium properties \(file) line \(line)")
        }
        if let mode = values["sslmode"], !sslModes.contains(mode.lowercased()) {
            let line = parts.first { $0.keyword == "sslmode" }?.line ?? 0
            throw ConfigurationError(key: "database.sslmode", problem: "must be one of \(sslModes.joined(separator: ", ")), not '\(mode)'",
                                     source: "debezium properties \(file) line \(line)")
        }
        let firstLine = parts.map(\.line).min()
        return .init(path: "source.url", value: url(values), from: "database.*", line: firstLine)
    }

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    static func url(_ values: [String: String]) -> String {
        let host = values["host"] ?? ""
        var text = "postgresql://" + encode(values["user"] ?? "")
        if let password = values["password"] { text += ":" + encode(password) }
        text += "@" + (host.contains(":") ? "[\(host)]" : encode(host))
        if let port = values["port"] { text += ":" + port }
        text += "/" + encode(values["dbname"] ?? "")
        let query = ["sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword"].compactMap { keyword in
            values[keyword].map { "\(keyword)=\(encode(keyword == "sslmode" ? $0.lowercased() : $0))" }
        }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986), which libpq decodes.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
