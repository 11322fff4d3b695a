/// Which configuration keys a command reads, so that its `--help` lists those flags and no
/// others. The rest are still accepted, hidden: one configuration file, one environment and
/// one set of flags serve every command, and a flag meant for another command is harmless.
protocol CommandKeys {
    /// YAML paths, or their first part (`kafka` for every `kafka.*` key).
    static var keys: [String] { get }
}

extension CommandKeys {
    /// `log.*` is every command's, as is the librdkafka check every command makes at start;
    /// `*` stands for every key.
    static func reads(_ path: String) -> Bool {
        (keys + ["log", "kafka.allow_old_librdkafka"]).contains { $0 == "*" || path == $0 || path.hasPrefix($0 + ".") }
    }
}

/// `run` and `config check`: every key.
enum EveryKey: CommandKeys { static let keys = ["*"] }

enum CaptureKeys: CommandKeys {
    static let keys = ["source.url", "kafka", "topics", "capture", "dlq.topic", "dlq.replication_factor", "metrics", "schedule", "alerts"]
}

/// `rebuild`'s keys and the operator endpoint's and scheduler's.
enum ApplyKeys: CommandKeys {
    static let keys = RebuildKeys.keys + ["metrics", "schedule", "alerts"]
}

/// `rebuild` runs apply into another schema, without the operator endpoint or the scheduler.
enum RebuildKeys: CommandKeys {
    static let keys = ["warehouse.url", "kafka", "topics.prefix", "capture.tables", "capture.compatibility", "capture.decimal_handling_mode",
                       "capture.time_precision_mode", "capture.debezium_schemas", "apply", "dlq", "quality"]
}

enum SimulateKeys: CommandKeys { static let keys = ["source.url"] }

enum StatusKeys: CommandKeys {
    static let keys = ["source.url", "warehouse.url", "kafka", "topics.prefix", "capture.slot", "capture.tables", "apply.group_id"]
}

enum VerifyKeys: CommandKeys {
    static let keys = ["source.url", "warehouse.url", "apply.pii_key", "apply.timezone", "apply.sample_minutes"]
}

enum ReplayKeys: CommandKeys {
    static let keys = ["warehouse.url", "kafka", "topics.prefix", "capture.tables", "apply.group_id"]
}

/// `snapshot` writes the request with the source's URL and, with `--wait`, asks capture's endpoint.
enum SnapshotKeys: CommandKeys { static let keys = ["source.url", "metrics.address"] }

enum DeadLetterKeys: CommandKeys { static let keys = ["kafka", "topics.prefix", "dlq.topic"] }

enum SlotKeys: CommandKeys { static let keys = ["source.url", "capture.slot", "capture.spool_dir"] }

enum WarehouseKeys: CommandKeys { static let keys = ["warehouse.url"] }
