import Configuration
import Foundation

/// What the configuration is read from.
public struct ConfigurationSources: Sendable {
    /// The YAML file given with `--config`; when nil, `HELIO_CONFIG_FILE` names one (or none).
    public var filePath: String?
    public var environment: [String: String]
    /// Flag values by YAML path (`apply.batch_size` → "500"), as the command line gave them.
    public var flags: [String: String]
    /// `--kafka-property name=value`, in the order given.
    public var kafkaPropertyFlags: [String]

    public init(filePath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                flags: [String: String] = [:], kafkaPropertyFlags: [String] = []) {
        self.filePath = filePath
        self.environment = environment
        self.flags = flags
        self.kafkaPropertyFlags = kafkaPropertyFlags
    }

    public static let fileVariable = "HELIO_CONFIG_FILE"

    /// The file to read and who named it: `--config` wins over `HELIO_CONFIG_FILE`.
    var file: (path: String, origin: ValueOrigin)? {
        if let filePath, !filePath.isEmpty { return (filePath, .flag(name: "--config")) }
        if let named = environment[Self.fileVariable], !named.isEmpty { return (named, .environment(name: Self.fileVariable)) }
        return nil
    }
}

/// The configuration read, with where each value came from.
public struct LoadedConfiguration: Sendable {
    public var configuration: HelioConfiguration
    /// The YAML file read, if any, and who named it.
    public var filePath: String?
    public var fileOrigin: ValueOrigin?
    /// By key path; librdkafka properties as `kafka.properties.<name>`. Missing: the default.
    public var origins: [String: ValueOrigin]
    /// The Debezium connector properties read (`--debezium-properties`), if any.
    public var debezium: DebeziumConnectorMapping?
    /// Keys of those properties a flag or a `HELIO_*` variable overrode, said in words.
    public var debeziumOverridden: [String] = []

    public func origin(of path: String) -> ValueOrigin { origins[path] ?? .defaultValue }

    /// Where a value came from, as configuration errors say it: `environment HELIO_BATCH_SIZE`,
    /// `file /etc/helio.yaml, key apply.batch_size`, `flag --batch-size`.
    public func source(of path: String) -> String { HelioConfiguration.describe(origin(of: path), file: filePath) }

    /// One line of `helio config check`.
    public struct Row: Sendable {
        public var key: String
        public var value: String
        public var origin: ValueOrigin
    }

    /// Every key of the table with its effective value (secrets redacted) and its origin; the
    /// librdkafka properties one row each.
    public var rows: [Row] {
        HelioConfiguration.keys.flatMap { key -> [Row] in
            if key.path == "capture.tables", let selection = configuration.tableSelection {
                return [Row(key: key.path, value: selection.description, origin: origin(of: key.path))]
            }
            guard key.shape == .passthrough else {
                return [Row(key: key.path, value: key.displayValue(in: configuration) ?? "(unset)", origin: origin(of: key.path))]
            }
            return configuration.kafkaProperties.sorted { $0.key < $1.key }.map { name, value in
                let path = "\(key.path).\(name)"
                return Row(key: path, value: SecretText.isSecretKafkaProperty(name) ? "(set, redacted)" : value, origin: origin(of: path))
            }
        }
    }
}

/// Reads the configuration through one swift-configuration `ConfigReader` over three
/// providers, first match wins: flags, then the environment, then the YAML file; a key none of
/// them sets keeps the default of `HelioConfiguration`. Every key comes from the table in
/// `HelioConfiguration+Keys.swift`.
extension HelioConfiguration {
    public static func load(_ sources: ConfigurationSources) throws -> LoadedConfiguration {
        let environment = sources.environment.filter { !$0.value.isEmpty }
        let named = ConfigurationSources(filePath: sources.filePath, environment: environment).file
        let file = try named.map { try ConfigurationFile(path: $0.path) }
        let kafkaFlags = try sources.kafkaPropertyFlags.map(Self.kafkaPropertyFlag)

        let recorder = AccessRecorder()
        var providers: [any ConfigProvider] = [
            flagProvider(sources.flags, kafkaFlags),
            environmentProvider(environment),
        ]
        if let file {
            providers.append(SourceProvider(kind: .file, upstream: file.snapshot, spelling: { $0.components.joined(separator: ".") },
                                            readsSecretFiles: true, empty: file.empty))
        }
        let reader = ConfigReader(providers: providers, accessReporter: recorder)
        let describe = { (origin: ValueOrigin) in Self.describe(origin, file: file?.path) }

        var config = HelioConfiguration()
        var origins: [String: ValueOrigin] = [:]
        for key in keys where key.shape != .passthrough {
            let raw: ConfigurationValue?
            if key.shape == .list {
                raw = reader.stringArray(forKey: ConfigKey(key.components), isSecret: key.isSecret).map(ConfigurationValue.list)
            } else {
                raw = reader.string(forKey: ConfigKey(key.components), isSecret: key.isSecret).map(ConfigurationValue.text)
            }
            var origin = try recorder.origin(of: key.path, describe: describe)
            var value = raw
            if value == nil, key.shape == .settings, let pairs = file?.settings[key.path] {
                (value, origin) = (.settings(pairs), .file(key: key.path))
            }
            guard let value, let origin else { continue }
            do {
                try key.assign(&config, value)
            } catch {
                throw Self.refusal(error, key: key, value: value, origin: origin, describe: describe)
            }
            origins[key.path] = origin
        }

        // The scheduler's settings are checked together (alert bytes at least warning bytes …).
        try config.schedule.validate()

        // librdkafka properties merge one at a time: a flag over a variable over the file.
        let names = (file?.kafkaPropertyNames ?? []) + Self.kafkaPropertyNames(in: environment) + kafkaFlags.map(\.name)
        var seen = Set<String>()
        for name in names where seen.insert(name).inserted {
            let path = "kafka.properties.\(name)"
            let value = reader.string(forKey: ConfigKey(["kafka", "properties", name]), isSecret: SecretText.isSecretKafkaProperty(name))
            guard let origin = try recorder.origin(of: path, describe: describe), let value else { continue }
            config.kafkaProperties[name] = value
            origins[path] = origin
        }
        return LoadedConfiguration(configuration: config, filePath: named?.path, fileOrigin: named?.origin, origins: origins)
    }

    /// The providers' view of a flag: every key by its YAML path, as `--flag` in messages.
    static func flagProvider(_ flags: [String: String], _ kafkaFlags: [(name: String, value: String)]) -> SourceProvider {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (path, text) in flags {
            guard let key = key(path) else { continue }
            values[AbsoluteConfigKey(key.components)] = ConfigValue(.string(text), isSecret: key.isSecret)
        }
        for (name, text) in kafkaFlags {
            values[AbsoluteConfigKey(["kafka", "properties", name])] = ConfigValue(.string(text), isSecret: SecretText.isSecretKafkaProperty(name))
        }
        return SourceProvider(kind: .flag, upstream: InMemoryProvider(name: "flag", values: values).snapshot(),
                              spelling: { absolute in
                                  let components = absolute.components
                                  if components.count == 3, components[0] == "kafka", components[1] == "properties" {
                                      return "--kafka-property \(components[2])"
                                  }
                                  return key(components.joined(separator: ".")).map { "--\($0.flag)" } ?? components.joined(separator: ".")
                              },
                              readsSecretFiles: false)
    }

    /// The environment through swift-configuration's provider, each key mapped to its
    /// variable from the table (not derived from the path: the names predate the file).
    static func environmentProvider(_ environment: [String: String]) -> SourceProvider {
        let secretNames = Set(keys.filter(\.isSecret).map(\.environmentName))
        let variables = EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .dynamic { name, _ in
                secretNames.contains(name) || name.hasSuffix("_FILE")
                    || (name.hasPrefix(kafkaPropertyPrefix) && SecretText.isSecretKafkaProperty(name))
            })
        let mapped = KeyMappingProvider(upstream: variables) { AbsoluteConfigKey([environmentName(for: $0)]) }
        return SourceProvider(kind: .environment, upstream: mapped.snapshot(), spelling: environmentName(for:), readsSecretFiles: true)
    }

    /// `HELIO_BATCH_SIZE` for `apply.batch_size`, `HELIO_BATCH_SIZE_FILE` for
    /// `apply.batch_size_file`, `HELIO_KAFKA_PROPERTY_SASL_MECHANISM` for
    /// `kafka.properties.sasl.mechanism`.
    static func environmentName(for absolute: AbsoluteConfigKey) -> String {
        let components = absolute.components
        if components.count == 3, components[0] == "kafka", components[1] == "properties" {
            return kafkaPropertyPrefix + String(components[2].uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
        let dotted = components.joined(separator: ".")
        if let key = key(dotted) { return key.environmentName }
        if dotted.hasSuffix("_file"), let key = key(String(dotted.dropLast(5))) { return key.fileEnvironmentName }
        return "HELIO_UNKNOWN_KEY_" + dotted
    }

    /// `HELIO_KAFKA_PROPERTY_SASL_MECHANISM` → `sasl.mechanism`; a `_FILE` variable names the
    /// file holding the property (`HELIO_KAFKA_PROPERTY_SASL_PASSWORD_FILE` → `sasl.password`).
    static func kafkaPropertyNames(in environment: [String: String]) -> [String] {
        environment.keys.filter { $0.hasPrefix(kafkaPropertyPrefix) }.sorted().map { variable in
            var name = variable.dropFirst(kafkaPropertyPrefix.count)
            if name.hasSuffix("_FILE") { name = name.dropLast(5) }
            return name.lowercased().replacingOccurrences(of: "_", with: ".")
        }
    }

    static func kafkaPropertyFlag(_ text: String) throws -> (name: String, value: String) {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ConfigurationError(key: "kafka.properties", problem: "must be given as NAME=VALUE", source: "flag --kafka-property")
        }
        return (parts[0], parts[1])
    }

    /// A refused value: the key, where it came from, what was expected; the value only when
    /// neither the key nor the way it was given (a `_file`) makes it a secret.
    static func refusal(_ error: Error, key: ConfigurationKey, value: ConfigurationValue, origin: ValueOrigin,
                        describe: (ValueOrigin) -> String) -> ConfigurationError {
        let expected = (error as? ValueProblem)?.expected ?? key.expectation
        // A parser of the scheduler's says what is wrong itself, written not to echo secrets.
        if let problem = (error as? ConfigurationError)?.problem {
            return ConfigurationError(key: key.path, problem: problem, source: describe(origin))
        }
        let fromFile: Bool
        switch origin {
        case .file(let written): fromFile = written.hasSuffix("_file")
        case .environment(let name): fromFile = name.hasSuffix("_FILE")
        default: fromFile = false
        }
        guard !key.isSecret && !fromFile else {
            return ConfigurationError(key: key.path, problem: "must be \(expected) (the value is not shown: secret)", source: describe(origin))
        }
        let shown: String
        switch value {
        case .text(let text): shown = text
        case .list(let items): shown = items.joined(separator: ",")
        case .settings(let pairs): shown = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        }
        return ConfigurationError(key: key.path, problem: "must be \(expected), not '\(shown)'", source: describe(origin))
    }

    static func describe(_ origin: ValueOrigin, file: String?) -> String {
        switch origin {
        case .file(let key): "file \(file ?? "?"), key \(key)"
        case .environment(let name): "environment \(name)"
        case .flag(let name): "flag \(name)"
        case .debezium(let key, let line): "debezium properties, key \(key) line \(line)"
        case .debeziumDefault(let reason): "Debezium's default (\(reason))"
        case .defaultValue: "default"
        }
    }
}

/// Collects what the `ConfigReader` reports about each access: which provider answered, or
/// which one failed and why. Keys are read one at a time, so the last event is the one wanted.
final class AccessRecorder: AccessReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var last: AccessEvent?

    func report(_ event: AccessEvent) {
        lock.withLock { last = event }
    }

    /// The origin of the value just read (nil: no source set it); throws what a source failed with.
    func origin(of path: String, describe: (ValueOrigin) -> String) throws -> ValueOrigin? {
        guard let event = lock.withLock({ () -> AccessEvent? in defer { last = nil }; return last }) else { return nil }
        for provided in event.providerResults {
            switch provided.result {
            case .success(let lookup) where lookup.value != nil:
                guard let kind = SourceProvider.Kind(rawValue: provided.providerName) else { return nil }
                switch kind {
                case .flag: return .flag(name: lookup.encodedKey)
                case .environment: return .environment(name: lookup.encodedKey)
                case .file: return .file(key: lookup.encodedKey)
                }
            case .failure(let error):
                if let failure = error as? SourceFailure {
                    throw ConfigurationError(key: path, problem: failure.problem, source: describe(failure.origin))
                }
                throw ConfigurationError(key: path, problem: "cannot be read (\(error))", source: provided.providerName)
            default:
                continue
            }
        }
        return nil
    }
}
