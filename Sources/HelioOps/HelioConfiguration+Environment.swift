import Foundation

/// The environment-only entry points kept from before the configuration file: tests and tools
/// that build a configuration from variables alone. Everything goes through the one reader
/// (`HelioConfiguration+Reader.swift`), so the rules are the same.
extension HelioConfiguration {
    /// The configuration from `HELIO_*` variables (and `<NAME>_FILE` secrets), and from the
    /// file `HELIO_CONFIG_FILE` names, if any.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HelioConfiguration {
        try load(ConfigurationSources(environment: environment)).configuration
    }

    static func qualify(_ table: String) -> String {
        table.contains(".") ? table : "public.\(table)"
    }

    /// Values a command needs, with a message naming every way to set them when missing.
    /// `name` is the environment variable (`HELIO_SOURCE_URL`).
    public func require(_ value: String?, _ name: String) throws -> String {
        guard let value, !value.isEmpty else {
            guard let key = Self.key(environmentName: name) else {
                throw ConfigurationError(key: name, problem: "is not set")
            }
            throw ConfigurationError(key: name, problem: """
                is not set; set \(key.path) (or \(key.filePath) naming a file that holds it) in the configuration file, \
                export \(name) (or \(key.fileEnvironmentName)), or pass --\(key.flag)
                """)
        }
        return value
    }
}
