import HelioOps

/// `helio config check --json`: the effective configuration (secrets redacted) and, unless
/// `--offline`, whether each service answered: the same values the text form prints.
struct ConfigCheckReport: Encodable {
    var configurationFile: String?
    var debeziumProperties: String?
    var keys: [Key]
    var services: [Service] = []

    struct Key: Encodable {
        var key: String
        var value: String
        var source: String
    }

    struct Service: Encodable {
        var name: String
        var reachable: Bool
        var detail: String
    }

    init(_ loaded: LoadedConfiguration) {
        configurationFile = loaded.filePath
        debeziumProperties = loaded.debezium?.file
        keys = loaded.rows.map { Key(key: $0.key, value: $0.value, source: "\($0.origin)") }
    }
}
