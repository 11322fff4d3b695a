import Foundation

/// A Debezium PostgreSQL connector's properties, read into the Helio keys that mean the same
/// thing. Pure: text in, settings out, or an error naming the Debezium key, its line and what
/// to do. `HelioConfiguration.load` lays the result over the configuration (flags and
/// variables win over it; it wins over the YAML file).
public struct DebeziumConnectorMapping: Sendable {
    /// A Helio key set from the file.
    public struct Setting: Sendable, Equatable {
        /// The Helio key (`capture.slot`).
        public var path: String
        /// Its value as the Helio key's text (`true`, `2.5`, a URL).
        public var value: String
        /// The Debezium key it came from (`slot.name`; `database.*` for `source.url`); for a
        /// default, why it applies (`no slot.name`).
        public var from: String
        /// The line of that key; nil for Debezium's default of a key the file left out.
        public var line: Int?
    }

    /// The file's path, for messages.
    public let file: String
    /// Helio keys the file sets.
    public private(set) var settings: [Setting] = []
    /// Debezium's defaults for keys the file leaves out, where they decide what is captured and
    /// where: they fill only what no flag, variable or YAML key sets.
    public private(set) var defaults: [Setting] = []
    /// The tables, from `table.*`/`schema.*` lists (or every table when the file has none).
    public private(set) var tableSelection = TableSelection()
    /// The key and line the selection came from; nil when it is Debezium's default (every table).
    public private(set) var tableSelectionFrom: (key: String, line: Int)?
    /// Keys read and not used (`name`), with why.
    public private(set) var ignored: [(key: String, reason: String)] = []

    public init(text: String, file: String) throws {
        self.file = file
        let properties = JavaProperties(text: text)
        var seen: [String: Int] = [:]
        var database: [(keyword: String, value: String, key: String, line: Int)] = []
        var topicSettings: [(name: String, value: String, line: Int)] = []
        for entry in properties.entries {
            if let first = seen[entry.key] {
                throw error(entry, "is given twice (lines \(first) and \(entry.line)); keep one")
            }
            seen[entry.key] = entry.line
            try refuseConfigProvider(entry)
            guard let rule = DebeziumConnectorKeys.rule(entry.key) else {
                var problem = "is not a Debezium PostgreSQL connector key Helio reads"
                if let suggestion = DebeziumConnectorKeys.suggestion(for: entry.key) { problem += "; did you mean '\(suggestion)'?" }
                throw error(entry, problem + " (docs/configuration.md, \"Debezium connector properties\", lists every key)")
            }
            switch rule {
            case .mapped(let path, let convert):
                guard !entry.value.isEmpty else { throw error(entry, "is empty; give a value or remove the key") }
                do {
                    settings.append(Setting(path: path, value: try convert(entry.value), from: entry.key, line: entry.line))
                } catch let refusal as DebeziumValueRefusal {
                    throw error(entry, "is '\(entry.value)': \(refusal.problem)")
                }
            case .database(let keyword):
                database.append((keyword, entry.value, entry.key, entry.line))
            case .tableFilter:
                try addFilter(entry)
            case .topicSetting(let name):
                guard !entry.value.isEmpty else { throw error(entry, "is empty; give a value or remove the key") }
                topicSettings.append((name, entry.value, entry.line))
            case .only(let accepted, let advice):
                guard accepted.contains(where: { $0.caseInsensitiveCompare(entry.value) == .orderedSame }) else {
                    throw error(entry, "is '\(entry.value)', which Helio does not support: \(advice)")
                }
            case .ignored(let reason):
                ignored.append((entry.key, reason))
            case .refused(let advice):
                throw error(entry, "is not supported: \(advice)")
            }
        }
        let schemas = settings.filter { $0.path == "capture.debezium_schemas" }
        if schemas.count == 2, schemas[0].value != schemas[1].value {
            throw ConfigurationError(key: schemas[1].from, problem: """
                is \(schemas[1].value) but \(schemas[0].from) is \(schemas[0].value) (line \(schemas[0].line ?? 0)): Helio writes keys \
                and values in one form, with their schemas or without (capture.debezium_schemas); give both the same value
                """, source: "debezium properties \(file) line \(schemas[1].line ?? 0)")
        }
        guard seen["topic.prefix"] != nil else {
            throw ConfigurationError(key: "topic.prefix", problem: "is missing: Debezium requires it, and it names every topic (<topic.prefix>.<schema>.<table>); add topic.prefix=…", source: "debezium properties \(file)")
        }
        if !database.isEmpty {
            settings.append(try DebeziumSourceURL.setting(database.map { ($0.keyword, $0.value, $0.key, $0.line) }, file: file))
        }
        if let first = topicSettings.first {
            // Helio's default keeps the topics forever (replay and rebuild read them from the
            // start): kept unless the file says otherwise.
            var config = HelioConfiguration().topicConfiguration
            for setting in topicSettings { config[setting.name] = setting.value }
            let lines = config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            settings.append(Setting(path: "topics.config", value: lines, from: "topic.creation.default.*", line: first.line))
        }
        if seen["slot.name"] == nil { defaults.append(Setting(path: "capture.slot", value: "debezium", from: "no slot.name", line: nil)) }
        if seen["publication.name"] == nil {
            defaults.append(Setting(path: "capture.publication", value: "dbz_publication", from: "no publication.name", line: nil))
        }
        // Debezium changes no table's replica identity unless replica.identity.autoset.values says so.
        defaults.append(Setting(path: "capture.full_image_tables", value: "", from: "no replica.identity.autoset.values: no table's replica identity is changed", line: nil))
        // A Debezium connector's consumers expect Debezium's records.
        defaults.append(Setting(path: "capture.compatibility", value: "debezium", from: "a Debezium connector publishes Debezium's records", line: nil))
    }

    private mutating func addFilter(_ entry: JavaProperties.Entry) throws {
        let patterns = TableSelection.patterns(entry.value)
        guard !patterns.isEmpty else { throw error(entry, "is empty; give at least one regular expression, or remove the key") }
        if let bad = patterns.first(where: { TableSelection.compile($0) == nil }) {
            throw error(entry, "holds '\(bad)', which is not a regular expression Helio can read")
        }
        let isTable = entry.key.hasPrefix("table.")
        let rule: TableSelection.Rule = entry.key.hasSuffix(".include.list") ? .include(patterns) : .exclude(patterns)
        if (isTable ? tableSelection.tables : tableSelection.schemas) != nil {
            let kind = isTable ? "table" : "schema"
            throw error(entry, "cannot be given with the other \(kind) list (\(kind).include.list and \(kind).exclude.list exclude each other in Debezium too); keep one")
        }
        if isTable { tableSelection.tables = rule } else { tableSelection.schemas = rule }
        if tableSelectionFrom == nil || isTable { tableSelectionFrom = (entry.key, entry.line) }
    }

    /// Kafka Connect's config providers (`${file:/path:key}`) are resolved by Connect's worker;
    /// Helio does not have one. The value is not quoted: it may point at a secret.
    private func refuseConfigProvider(_ entry: JavaProperties.Entry) throws {
        guard entry.value.contains("${") else { return }
        throw error(entry, "uses a Kafka Connect config provider (${…}), which Helio does not resolve; write the value itself, "
                    + "or leave the key out and set the Helio key (for the password: PGPASSFILE, or HELIO_SOURCE_URL_FILE)")
    }

    private func error(_ entry: JavaProperties.Entry, _ problem: String) -> ConfigurationError {
        ConfigurationError(key: entry.key, problem: problem, source: "debezium properties \(file) line \(entry.line)")
    }

    /// Reads the file.
    public static func read(path: String) throws -> DebeziumConnectorMapping {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: path, problem: "cannot be read (\(ConfigurationFile.reason(error)))", source: "debezium properties")
        }
        return try DebeziumConnectorMapping(text: text, file: path)
    }
}
