/// Lays a Debezium connector's properties over the configuration read from flags, variables
/// and the YAML file. Precedence, first wins: a flag, a `HELIO_*` variable, a key of the
/// properties file, a key of the YAML file, Debezium's default for a key the properties leave
/// out (only where it decides what is captured and where), Helio's default.
extension LoadedConfiguration {
    /// Reads `--debezium-properties FILE` and lays it over this configuration.
    public mutating func overlayDebeziumProperties(at path: String) throws {
        try overlay(DebeziumConnectorMapping.read(path: path))
    }

    public mutating func overlay(_ mapping: DebeziumConnectorMapping) throws {
        var overridden: [String] = []
        for setting in mapping.settings {
            guard !isExplicit(setting.path) else {
                overridden.append("\(setting.from) (line \(setting.line ?? 0)) is overridden by \(origin(of: setting.path)), which sets \(setting.path)")
                continue
            }
            let origin = ValueOrigin.debezium(key: setting.from, line: setting.line ?? 0)
            try assign(setting, origin: origin, mapping: mapping)
        }
        for setting in mapping.defaults where origins[setting.path] == nil {
            try assign(setting, origin: .debeziumDefault(reason: setting.from), mapping: mapping)
        }
        if let from = mapping.tableSelectionFrom, isExplicit("capture.tables") {
            overridden.append("\(from.key) (line \(from.line)) is overridden by \(origin(of: "capture.tables")), which sets capture.tables")
        }
        if !isExplicit("capture.tables"), mapping.tableSelectionFrom != nil || origins["capture.tables"] == nil {
            configuration.tableSelection = mapping.tableSelection
            origins["capture.tables"] = mapping.tableSelectionFrom.map { .debezium(key: $0.key, line: $0.line) }
                ?? .debeziumDefault(reason: "no table.include.list: every table")
        }
        debezium = mapping
        debeziumOverridden = overridden
    }

    /// Set by a flag or a variable: those win over the properties file.
    func isExplicit(_ path: String) -> Bool {
        switch origins[path] {
        case .flag?, .environment?: true
        default: false
        }
    }

    /// A list as one item (or none); settings one `name=value` a line (a value may hold commas:
    /// `cleanup.policy=compact,delete`); anything else as text.
    static func value(_ text: String, shape: ConfigurationKey.Shape) -> ConfigurationValue {
        switch shape {
        case .list: return .list([text].filter { !$0.isEmpty })
        case .settings:
            return .settings(text.split(separator: "\n").map { line in
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            })
        default: return .text(text)
        }
    }

    private mutating func assign(_ setting: DebeziumConnectorMapping.Setting, origin: ValueOrigin, mapping: DebeziumConnectorMapping) throws {
        guard let key = HelioConfiguration.key(setting.path) else { return }
        do {
            try key.assign(&configuration, Self.value(setting.value, shape: key.shape))
        } catch {
            // The conversions check what they can; what the Helio key's parser refuses is named here.
            let expected = (error as? ValueProblem)?.expected ?? key.expectation
            let shown = key.isSecret ? "" : ", not '\(setting.value)'"
            throw ConfigurationError(key: setting.from, problem: "sets \(setting.path), which must be \(expected)\(shown)",
                                     source: "debezium properties \(mapping.file)" + (setting.line.map { " line \($0)" } ?? ""))
        }
        origins[setting.path] = origin
    }
}
