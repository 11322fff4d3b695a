import Configuration
import Foundation

/// Where a value came from, as `config check` shows it.
public enum ValueOrigin: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    /// The configuration file; `key` is the key written there (`source.url_file` for a secret
    /// read from another file).
    case file(key: String)
    case environment(name: String)
    case flag(name: String)
    /// `--debezium-properties`: the Debezium key (`slot.name`) and its line.
    case debezium(key: String, line: Int)
    /// Debezium's default where the properties file says nothing (`no slot.name` → `debezium`);
    /// `reason` says which key is absent.
    case debeziumDefault(reason: String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let key): "file \(key)"
        case .environment(let name): "env \(name)"
        case .flag(let name): "flag \(name)"
        case .debezium(let key, let line): "debezium \(key) (line \(line))"
        case .debeziumDefault(let reason): "debezium default (\(reason))"
        }
    }
}

/// One source of configuration (flags, environment or file) as a swift-configuration provider,
/// adding what Helio needs on top of the upstream snapshot:
/// - a secret may be kept in a file: when `source.url` is absent, `source.url_file` (in the
///   environment `HELIO_SOURCE_URL_FILE`) names a file whose trimmed content is the value;
/// - an empty value counts as unset, in every source;
/// - a list may also be written as one comma-separated string;
/// - a failure names the source and the key as the operator wrote it.
struct SourceProvider: ConfigProvider {
    enum Kind: String, Sendable { case flag, environment, file }

    let kind: Kind
    let upstream: any ConfigSnapshot
    /// The key as written in this source: `--batch-size`, `HELIO_BATCH_SIZE`, `apply.batch_size`.
    let spelling: @Sendable (AbsoluteConfigKey) -> String
    let readsSecretFiles: Bool
    /// Keys present but empty (YAML `key:`), by their dotted path.
    var empty: Set<String> = []

    var providerName: String { kind.rawValue }

    func origin(of encodedKey: String) -> ValueOrigin {
        switch kind {
        case .flag: .flag(name: encodedKey)
        case .environment: .environment(name: encodedKey)
        case .file: .file(key: encodedKey)
        }
    }

    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        if let found = try lookup(key, type) {
            return LookupResult(encodedKey: spelling(key), value: found)
        }
        guard readsSecretFiles, let last = key.components.last else {
            return LookupResult(encodedKey: spelling(key), value: nil)
        }
        let fileKey = AbsoluteConfigKey(key.components.dropLast() + [last + "_file"])
        guard let pointer = try lookup(fileKey, .string), case .string(let path) = pointer.content else {
            return LookupResult(encodedKey: spelling(key), value: nil)
        }
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw SourceFailure(origin: origin(of: spelling(fileKey)),
                                problem: "names the file \(path), which cannot be read (\(ConfigurationFile.reason(error)))")
        }
        // A value kept in a file is treated as a secret whatever the key: it is why files exist.
        let content: ConfigContent = type == .stringArray ? .stringArray(contents.split(separator: ",").map(String.init)) : .string(contents)
        return LookupResult(encodedKey: spelling(fileKey), value: contents.isEmpty ? nil : ConfigValue(content, isSecret: true))
    }

    /// The upstream value, empty counted as unset, a string accepted for a list.
    private func lookup(_ key: AbsoluteConfigKey, _ type: ConfigType) throws -> ConfigValue? {
        guard !empty.contains(key.components.joined(separator: ".")) else { return nil }
        let value: ConfigValue?
        do {
            value = try upstream.value(forKey: key, type: type).value
        } catch {
            guard type == .stringArray, let text = try? upstream.value(forKey: key, type: .string).value,
                  case .string(let items) = text.content else {
                throw SourceFailure(origin: origin(of: spelling(key)),
                                    problem: type == .stringArray ? "must be a list" : "must be a single value, not a list or a mapping")
            }
            return ConfigValue(.stringArray(items.split(separator: ",").map(String.init)), isSecret: text.isSecret)
        }
        switch value?.content {
        case .string(let text)? where text.isEmpty: return nil
        case .stringArray(let items)? where items.allSatisfy(\.isEmpty): return nil
        default: return value
        }
    }

    // swift-configuration is built with NonisolatedNonsendingByDefault: its async
    // requirements run on the caller's executor, and so must these.
    nonisolated(nonsending) func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try value(forKey: key, type: type)
    }

    nonisolated(nonsending) func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey, type: ConfigType,
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>) async throws -> Return
    ) async throws -> Return {
        try await watchValueFromValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    func snapshot() -> any ConfigSnapshot { Snapshot(provider: self) }

    nonisolated(nonsending) func watchSnapshot<Return: ~Copyable>(
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>) async throws -> Return
    ) async throws -> Return {
        try await watchSnapshotFromSnapshot(updatesHandler: updatesHandler)
    }

    /// The sources never change while Helio runs: a snapshot is the provider itself.
    struct Snapshot: ConfigSnapshot {
        let provider: SourceProvider
        var providerName: String { provider.providerName }
        func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
            try provider.value(forKey: key, type: type)
        }
    }
}

/// A source could not give a value: names where, never the value.
struct SourceFailure: Error, CustomStringConvertible {
    var origin: ValueOrigin
    var problem: String
    var description: String { "\(origin) \(problem)" }
}
