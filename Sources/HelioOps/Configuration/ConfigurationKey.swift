/// One setting: where it lives in the YAML file, in the environment and on the command line,
/// how its text becomes a value of `HelioConfiguration`, and whether it is a secret. The table
/// of them (`HelioConfiguration.keys`) drives the reader, the flags' help, `helio config check`
/// and the test that keeps docs/configuration.md complete.
public struct ConfigurationKey: Sendable {
    /// How the value is written.
    public enum Shape: Sendable, Equatable {
        /// One value: `batch_size: 500`, `HELIO_BATCH_SIZE=500`, `--batch-size 500`.
        case scalar
        /// A list: a YAML sequence (or one comma-separated string); comma-separated elsewhere.
        case list
        /// `name=value` settings replaced as a whole: a YAML mapping (or one `a=b,c=d`
        /// string); `a=b,c=d` in the environment and on the command line.
        case settings
        /// librdkafka properties, merged one property at a time across the sources: a YAML
        /// mapping, `HELIO_KAFKA_PROPERTY_<NAME>` variables, repeated `--kafka-property name=value`.
        case passthrough
    }

    /// How a secret is shown by `config check` and in errors.
    public enum Secrecy: Sendable, Equatable {
        case none
        /// A connection URL: shown with its password replaced by `***`.
        case connectionURL
        /// An HTTP endpoint whose path or query holds a token: shown as scheme, host and port.
        case endpointURL
        /// Never shown.
        case hidden
    }

    /// The dotted path in the YAML file, also the key the `ConfigReader` is asked for.
    public let path: String
    /// The environment variable (each also read from a file through `<NAME>_FILE`).
    public let environmentName: String
    /// The long flag, without its dashes.
    public let flag: String
    public let shape: Shape
    public let secrecy: Secrecy
    /// One line for `--help` and the documentation.
    public let summary: String
    /// What the value must be, for error messages: "a whole number from 1".
    public let expectation: String
    let assign: @Sendable (inout HelioConfiguration, ConfigurationValue) throws -> Void
    let render: @Sendable (HelioConfiguration) -> String?

    public var isSecret: Bool { secrecy != .none }
    public var components: [String] { path.split(separator: ".").map(String.init) }
    /// The key that names a file holding the value: `source.url_file`.
    public var filePath: String { path + "_file" }
    public var fileEnvironmentName: String { environmentName + "_FILE" }

    /// The effective value as text, secrets redacted; nil when unset.
    public func displayValue(in configuration: HelioConfiguration) -> String? {
        guard let text = render(configuration) else { return nil }
        switch secrecy {
        case .none: return text
        case .connectionURL: return SecretText.redactConnectionURL(text)
        case .endpointURL: return SecretText.redactEndpointURL(text)
        case .hidden: return "(set, redacted)"
        }
    }

    /// The default as documented: the value of a fresh `HelioConfiguration`.
    public var defaultText: String? { render(HelioConfiguration()) }

    init(_ path: String, _ environmentName: String, flag: String? = nil, shape: Shape = .scalar, secrecy: Secrecy = .none,
         expectation: String, summary: String,
         assign: @escaping @Sendable (inout HelioConfiguration, ConfigurationValue) throws -> Void,
         render: @escaping @Sendable (HelioConfiguration) -> String?) {
        self.path = path
        self.environmentName = environmentName
        self.flag = flag ?? environmentName.dropFirst("HELIO_".count).lowercased().replacingOccurrences(of: "_", with: "-")
        self.shape = shape
        self.secrecy = secrecy
        self.expectation = expectation
        self.summary = summary
        self.assign = assign
        self.render = render
    }
}

/// A value as it came from one source, before parsing.
enum ConfigurationValue: Sendable {
    case text(String)
    case list([String])
    case settings([(name: String, value: String)])
}

/// Why a value was refused, phrased without the value so a secret is never echoed; the reader
/// adds the value itself for keys that are not secret.
struct ValueProblem: Error {
    var expected: String
}
