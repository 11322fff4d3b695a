import CLibPQ
import Foundation

/// How to reach a PostgreSQL server. The URL holds credentials, so this type never prints it.
///
/// Timeouts and keepalives have defaults (`defaultParameters`) that apply only where neither
/// the URL nor libpq's environment (`PGCONNECT_TIMEOUT`, …) sets the same keyword: an operator's
/// explicit choice always wins. The URL's `options` (or `PGOPTIONS`) are kept too, between
/// Helio's default statement timeout (which they may override) and the session settings a
/// component requires (which they may not).
public struct ConnectionOptions: Sendable, CustomStringConvertible {
    /// A libpq connection URL or keyword/value string (`postgresql://user:pw@host:5432/db?sslmode=verify-full`).
    public var url: String
    /// Shown in `pg_stat_activity` and `pg_stat_replication`.
    public var applicationName: String
    /// libpq's `connect_timeout` when the URL and `PGCONNECT_TIMEOUT` do not set one.
    public var connectTimeoutSeconds: Int
    /// `statement_timeout` for the session, unless the URL's `options` set one. `nil` leaves the
    /// server's setting (usually no limit): the default, because service connections run
    /// statements whose length grows with the data (snapshot COPY, apply batches, rebuilds).
    /// Short-query users (the connection pool of `helio status` and `helio verify`) set one.
    public var statementTimeoutSeconds: Int?
    /// Open a `replication=database` connection (walsender) instead of a regular one.
    public var replication: Bool
    /// Server settings the component needs at connect time (`-c name=value`); they win over the URL's `options`.
    public var settings: [String: String]

    public init(
        url: String,
        applicationName: String = "helio",
        connectTimeoutSeconds: Int = 10,
        statementTimeoutSeconds: Int? = nil,
        replication: Bool = false,
        settings: [String: String] = [:]
    ) {
        self.url = url
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutSeconds = statementTimeoutSeconds
        self.replication = replication
        self.settings = settings
    }

    /// TCP settings every connection gets unless the URL sets them. Keepalives find a peer
    /// that vanished while the connection is idle (about 30 + 3 × 10 = 60 s, instead of the
    /// kernel's two hours); `tcp_user_timeout` finds one that vanished while Helio was sending
    /// (60 s, instead of the kernel's ~15 minutes of retransmissions).
    public static let defaultParameters: [(keyword: String, value: String)] = [
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "60000"),
    ]

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

    // MARK: - What libpq is given

    /// Keywords and values for `PQconnectdbParams` with `expand_dbname`: the URL first, then
    /// what Helio sets (each later keyword replaces the URL's).
    func connectionParameters() -> (keywords: [String], values: [String]) {
        let given = Self.parse(url)
        var keywords = ["dbname", "application_name", "client_encoding"]
        var values = [url, applicationName, "UTF8"]
        func addDefault(_ keyword: String, _ value: String) {
            guard !given.isSet(keyword) else { return }
            keywords.append(keyword)
            values.append(value)
        }
        addDefault("connect_timeout", String(connectTimeoutSeconds))
        for parameter in Self.defaultParameters { addDefault(parameter.keyword, parameter.value) }
        if replication {
            keywords.append("replication")
            values.append("database")
        }
        // Later -c settings win in the server: defaults, then the operator's, then the required ones.
        var options: [String] = []
        if let statementTimeoutSeconds { options.append("-c statement_timeout=\(statementTimeoutSeconds * 1000)") }
        if let operatorOptions = given.value("options"), !operatorOptions.isEmpty { options.append(operatorOptions) }
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            options.append("-c \(name)=\(Self.escapeOption(value))")
        }
        if !options.isEmpty {
            keywords.append("options")
            values.append(options.joined(separator: " "))
        }
        return (keywords, values)
    }

    /// A value inside libpq's `options`: spaces and backslashes are escaped with a backslash.
    static func escapeOption(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == " " || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// What a connection string says, keyword by keyword, plus libpq's environment variables
    /// for keywords it leaves out. The password is never kept.
    struct GivenParameters {
        var explicit: [String: String] = [:]
        var environmentVariables: [String: String] = [:]

        /// Set in the URL or, through its environment variable, in the environment.
        func isSet(_ keyword: String) -> Bool { value(keyword) != nil }

        func value(_ keyword: String) -> String? {
            if let value = explicit[keyword] { return value }
            if let variable = environmentVariables[keyword], let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty {
                return value
            }
            return nil
        }
    }

    /// Parses `url` with libpq's own parser. A string libpq cannot parse gives no values:
    /// the connect attempt then reports the problem.
    static func parse(_ url: String) -> GivenParameters {
        var given = GivenParameters()
        guard let options = PQconninfoParse(url, nil) else { return given }
        defer { PQconninfoFree(options) }
        var option = options
        while let keywordPointer = option.pointee.keyword {
            let keyword = String(cString: keywordPointer)
            if keyword != "password" {
                if let value = option.pointee.val { given.explicit[keyword] = String(cString: value) }
                if let variable = option.pointee.envvar { given.environmentVariables[keyword] = String(cString: variable) }
            }
            option += 1
        }
        return given
    }

    /// The value libpq will use for `keyword` (URL, then environment), for error advice
    /// (`sslmode`, `sslrootcert`, `host`). Never the password.
    public func setting(_ keyword: String) -> String? {
        keyword == "password" ? nil : Self.parse(url).value(keyword)
    }

    /// The password as written in the URL or keyword string, raw and percent-decoded, for
    /// scrubbing it out of libpq's messages (some echo the URL component they could not parse).
    var passwordForms: [String] {
        var forms: [String] = []
        if let scheme = url.range(of: "://") {
            // libpq ends the user info at the first "@"; a password with a raw "@" ends at the last.
            let rest = url[scheme.upperBound...]
            for at in [rest.firstIndex(of: "@"), rest.lastIndex(of: "@")].compactMap({ $0 }) {
                let userinfo = rest[..<at]
                guard let colon = userinfo.firstIndex(of: ":") else { continue }
                let raw = String(userinfo[userinfo.index(after: colon)...])
                forms.append(raw)
                if let decoded = raw.removingPercentEncoding { forms.append(decoded) }
            }
        }
        for marker in ["password=", "password = "] {
            var search = url.startIndex..<url.endIndex
            while let range = url.range(of: marker, range: search) {
                var rest = url[range.upperBound...]
                let quoted = rest.first == "'"
                if quoted { rest = rest.dropFirst() }
                let end = rest.firstIndex(where: { quoted ? $0 == "'" : ($0 == " " || $0 == "&") }) ?? rest.endIndex
                let raw = String(rest[..<end])
                forms.append(raw)
                if let decoded = raw.removingPercentEncoding { forms.append(decoded) }
                search = range.upperBound..<url.endIndex
            }
        }
        return forms.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
    }

    /// `message` with every form of the password replaced by `***`.
    func scrub(_ message: String) -> String {
        passwordForms.reduce(message) { text, password in text.replacingOccurrences(of: password, with: "***") }
    }
}
