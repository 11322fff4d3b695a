import Foundation

/// A configuration problem, naming the key and where its value came from (file, environment,
/// flag). Its text never contains a secret value: parsers say what was expected, and the
/// value itself is quoted only for keys that are not secret.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var key: String
    public var problem: String
    /// Where the value came from: `environment HELIO_BATCH_SIZE`, `file /etc/helio.yaml line 4`,
    /// `flag --batch-size`; nil when the problem is not about a given value.
    public var source: String?

    public init(key: String, problem: String, source: String? = nil) {
        self.key = key
        self.problem = problem
        self.source = source
    }

    public var description: String {
        guard let source else { return "configuration: \(key) \(problem)" }
        return "configuration: \(key) (\(source)) \(problem)"
    }
}

/// Redaction of secrets for display.
public enum SecretText {
    /// Hides the password of a `postgresql://user:password@host` URL and of every `password=`
    /// keyword (conninfo strings, URL query parameters).
    public static func redactConnectionURL(_ url: String) -> String {
        var characters = Array(url)
        for range in passwordRanges(characters).sorted(by: { $0.lowerBound > $1.lowerBound }) {
            characters.replaceSubrange(range, with: Array("***"))
        }
        return String(characters)
    }

    /// An HTTP endpoint reduced to scheme, host and port: its path, query and userinfo may
    /// hold a token.
    public static func redactEndpointURL(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "(set, redacted)"
        }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/… (redacted)"
    }

    /// The passwords a connection URL or conninfo string holds, raw and percent-decoded: what
    /// must never reach a log line.
    public static func passwords(inConnectionURL url: String) -> [String] {
        let characters = Array(url)
        return passwordRanges(characters).map { String(characters[$0]).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            .filter { !$0.isEmpty }
            .flatMap { [$0, $0.removingPercentEncoding ?? $0] }
    }

    /// Where the passwords are: the userinfo password of a URL (`scheme://user:password@host`)
    /// and the value of every `password=` keyword (quoted or not).
    static func passwordRanges(_ characters: [Character]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        if let scheme = firstIndex(of: Array("://"), in: characters, from: 0) {
            let hostStart = scheme + 3
            let authorityEnd = characters[hostStart...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? characters.count
            if let at = characters[hostStart..<authorityEnd].lastIndex(of: "@"),
               let colon = characters[hostStart..<at].firstIndex(of: ":") {
                ranges.append(colon + 1..<at)
            }
        }
        var index = 0
        while let found = firstIndex(of: Array("password="), in: characters, from: index, caseInsensitive: true) {
            let start = found + 9
            var end = start
            if end < characters.count && characters[end] == "'" {
                end += 1
                while end < characters.count && characters[end] != "'" { end += characters[end] == "\\" ? 2 : 1 }
                end = min(end + 1, characters.count)
            } else {
                while end < characters.count && characters[end] != " " && characters[end] != "&" { end += 1 }
            }
            ranges.append(start..<end)
            index = end
        }
        return ranges
    }

    private static func firstIndex(of needle: [Character], in haystack: [Character], from start: Int, caseInsensitive: Bool = false) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            let window = haystack[index..<index + needle.count]
            if caseInsensitive ? String(window).lowercased() == String(needle) : Array(window) == needle { return index }
            index += 1
        }
        return nil
    }

    /// librdkafka properties whose values are secrets (`sasl.password`, `ssl.key.password`,
    /// `sasl.oauthbearer.client.secret`, …).
    public static func isSecretKafkaProperty(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered.contains("password") || lowered.contains("secret") || lowered == "sasl.oauthbearer.config"
    }
}

/// Whether a text is a JSON object, for keys that hold one.
enum JSONShape {
    static func isObject(_ text: String) -> Bool {
        guard let data = text.data(using: .utf8) else { return false }
        return (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
    }
}
