import ArgumentParser
import HelioOps

/// A flag for every key of `HelioConfiguration.keys`: names, help and the key each sets come
/// from the table. Flags win over the environment, which wins over the file. The integration
/// test `ConfigCheckTests` sets every flag at once and checks `config check` reports each key
/// as coming from its flag, so a key added to the table without its line here fails there.
struct ConfigurationFlags<Scope: CommandKeys>: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("YAML configuration file (also HELIO_CONFIG_FILE).", valueName: "file"))
    var file: String?

    @Option(name: flag("source.url"), help: help("source.url", shownIn: Scope.self)) var sourceURL: String?
    @Option(name: flag("warehouse.url"), help: help("warehouse.url", shownIn: Scope.self)) var warehouseURL: String?
    @Option(name: flag("kafka.brokers"), help: help("kafka.brokers", shownIn: Scope.self)) var kafkaBrokers: String?
    @Option(name: .customLong("kafka-property"), help: help("kafka.properties", valueName: "name=value", shownIn: Scope.self)) var kafkaProperties: [String] = []
    @Flag(name: flag("kafka.allow_old_librdkafka"), help: help("kafka.allow_old_librdkafka", shownIn: Scope.self)) var allowOldLibrdkafka = false

    @Option(name: flag("topics.prefix"), help: help("topics.prefix", shownIn: Scope.self)) var topicPrefix: String?
    @Option(name: flag("topics.partitions"), help: help("topics.partitions", shownIn: Scope.self)) var topicPartitions: String?
    @Option(name: flag("topics.replication_factor"), help: help("topics.replication_factor", shownIn: Scope.self)) var topicReplicationFactor: String?
    @Option(name: flag("topics.config"), help: help("topics.config", shownIn: Scope.self)) var topicConfig: String?

    @Option(name: flag("capture.slot"), help: help("capture.slot", shownIn: Scope.self)) var slot: String?
    @Option(name: flag("capture.publication"), help: help("capture.publication", shownIn: Scope.self)) var publication: String?
    @Option(name: flag("capture.tables"), help: help("capture.tables", shownIn: Scope.self)) var tables: String?
    @Option(name: flag("capture.full_image_tables"), help: help("capture.full_image_tables", shownIn: Scope.self)) var fullImageTables: String?
    @Option(name: flag("capture.spool_dir"), help: help("capture.spool_dir", shownIn: Scope.self)) var spoolDir: String?
    @Option(name: flag("capture.spool_max_bytes"), help: help("capture.spool_max_bytes", shownIn: Scope.self)) var spoolMaxBytes: String?
    @Option(name: flag("capture.decoding_work_mem"), help: help("capture.decoding_work_mem", shownIn: Scope.self)) var decodingWorkMem: String?
    @Option(name: flag("capture.heartbeat_interval_seconds"), help: help("capture.heartbeat_interval_seconds", shownIn: Scope.self)) var heartbeatIntervalSeconds: String?
    @Option(name: flag("capture.status_interval_seconds"), help: help("capture.status_interval_seconds", shownIn: Scope.self)) var statusIntervalSeconds: String?
    @Option(name: flag("capture.snapshot"), help: help("capture.snapshot", shownIn: Scope.self)) var snapshot: String?
    @Option(name: flag("capture.autocreate_publication"), help: help("capture.autocreate_publication", shownIn: Scope.self)) var autocreatePublication: String?
    @Option(name: flag("capture.tombstones_on_delete"), help: help("capture.tombstones_on_delete", shownIn: Scope.self)) var tombstonesOnDelete: String?
    @Option(name: flag("capture.standby"), help: help("capture.standby", shownIn: Scope.self)) var standby: String?
    @Option(name: flag("capture.on_missing_slot"), help: help("capture.on_missing_slot", shownIn: Scope.self)) var onMissingSlot: String?
    @Option(name: flag("capture.compatibility"), help: help("capture.compatibility", shownIn: Scope.self)) var compatibility: String?
    @Option(name: flag("capture.decimal_handling_mode"), help: help("capture.decimal_handling_mode", shownIn: Scope.self)) var decimalHandlingMode: String?
    @Option(name: flag("capture.time_precision_mode"), help: help("capture.time_precision_mode", shownIn: Scope.self)) var timePrecisionMode: String?
    @Option(name: flag("capture.debezium_schemas"), help: help("capture.debezium_schemas", shownIn: Scope.self)) var debeziumSchemas: String?

    @Option(name: flag("apply.group_id"), help: help("apply.group_id", shownIn: Scope.self)) var groupID: String?
    @Option(name: flag("apply.pii_key"), help: help("apply.pii_key", shownIn: Scope.self)) var piiKey: String?
    @Option(name: flag("apply.timezone"), help: help("apply.timezone", shownIn: Scope.self)) var timezone: String?
    @Option(name: flag("apply.sample_minutes"), help: help("apply.sample_minutes", shownIn: Scope.self)) var sampleMinutes: String?
    @Option(name: flag("apply.batch_size"), help: help("apply.batch_size", shownIn: Scope.self)) var batchSize: String?
    @Option(name: flag("apply.batch_wait_ms"), help: help("apply.batch_wait_ms", shownIn: Scope.self)) var batchWaitMs: String?
    @Option(name: flag("apply.scd_config"), help: help("apply.scd_config", shownIn: Scope.self)) var scdConfig: String?
    @Option(name: flag("apply.transaction_consistency"), help: help("apply.transaction_consistency", shownIn: Scope.self)) var transactionConsistency: String?
    @Option(name: flag("apply.parallel"), help: help("apply.parallel", shownIn: Scope.self)) var parallelApply: String?

    @Option(name: flag("quality.rules"), help: help("quality.rules", valueName: "rules", shownIn: Scope.self)) var qualityRules: String?

    @Option(name: flag("dlq.topic"), help: help("dlq.topic", shownIn: Scope.self)) var dlqTopic: String?
    @Option(name: flag("dlq.replication_factor"), help: help("dlq.replication_factor", shownIn: Scope.self)) var dlqReplicationFactor: String?
    @Option(name: flag("dlq.context_headers"), help: help("dlq.context_headers", shownIn: Scope.self)) var dlqContextHeaders: String?

    @Option(name: flag("metrics.address"), help: help("metrics.address", shownIn: Scope.self)) var metricsAddress: String?
    @Option(name: flag("log.format"), help: help("log.format", shownIn: Scope.self)) var logFormat: String?
    @Option(name: flag("log.level"), help: help("log.level", shownIn: Scope.self)) var logLevel: String?
    @Option(name: flag("log.file"), help: help("log.file", shownIn: Scope.self)) var logFile: String?
    @Option(name: flag("log.max_bytes"), help: help("log.max_bytes", shownIn: Scope.self)) var logMaxBytes: String?
    @Option(name: flag("log.max_files"), help: help("log.max_files", shownIn: Scope.self)) var logMaxFiles: String?

    @OptionGroup(title: "Scheduled checks and alerts") var schedule: ScheduleFlags<Scope>

    /// The flags given, by the YAML path of their key.
    var values: [String: String] {
        let given: [(String, String?)] = [
            ("source.url", sourceURL), ("warehouse.url", warehouseURL), ("kafka.brokers", kafkaBrokers),
            ("kafka.allow_old_librdkafka", allowOldLibrdkafka ? "true" : nil),
            ("topics.prefix", topicPrefix), ("topics.partitions", topicPartitions),
            ("topics.replication_factor", topicReplicationFactor), ("topics.config", topicConfig),
            ("capture.slot", slot), ("capture.publication", publication), ("capture.tables", tables),
            ("capture.full_image_tables", fullImageTables), ("capture.spool_dir", spoolDir), ("capture.spool_max_bytes", spoolMaxBytes),
            ("capture.decoding_work_mem", decodingWorkMem), ("capture.heartbeat_interval_seconds", heartbeatIntervalSeconds),
            ("capture.status_interval_seconds", statusIntervalSeconds), ("capture.snapshot", snapshot),
            ("capture.autocreate_publication", autocreatePublication), ("capture.compatibility", compatibility),
            ("capture.tombstones_on_delete", tombstonesOnDelete), ("capture.standby", standby), ("capture.on_missing_slot", onMissingSlot), ("capture.decimal_handling_mode", decimalHandlingMode),
            ("capture.time_precision_mode", timePrecisionMode), ("capture.debezium_schemas", debeziumSchemas),
            ("apply.group_id", groupID), ("apply.pii_key", piiKey), ("apply.timezone", timezone),
            ("apply.sample_minutes", sampleMinutes), ("apply.batch_size", batchSize), ("apply.batch_wait_ms", batchWaitMs),
            ("apply.scd_config", scdConfig), ("apply.transaction_consistency", transactionConsistency),
            ("apply.parallel", parallelApply),
            ("quality.rules", qualityRules),
            ("dlq.topic", dlqTopic), ("dlq.replication_factor", dlqReplicationFactor), ("dlq.context_headers", dlqContextHeaders),
            ("metrics.address", metricsAddress), ("log.format", logFormat), ("log.level", logLevel), ("log.file", logFile),
            ("log.max_bytes", logMaxBytes), ("log.max_files", logMaxFiles),
        ] + schedule.given
        return Dictionary(given.compactMap { path, value in value.map { (path, $0) } }, uniquingKeysWith: { $1 })
    }

    var sources: ConfigurationSources {
        ConfigurationSources(filePath: file, flags: values, kafkaPropertyFlags: kafkaProperties)
    }
}

/// The flag of a key: `--batch-size` for `apply.batch_size`.
func flag(_ path: String) -> NameSpecification {
    .customLong(configurationKey(path).flag)
}

/// The help of a key's flag: what it is, its default, its file key and variable; a secret's
/// flag is discouraged (the command line is visible to every user through `ps`). Hidden from
/// the `--help` of a command that does not read the key (`CommandKeys`), still accepted there.
func help(_ path: String, valueName: String? = nil, shownIn scope: (some CommandKeys).Type) -> ArgumentHelp {
    let key = configurationKey(path)
    var text = key.summary
    if let defaultText = key.defaultText, !defaultText.isEmpty { text += " (default \(defaultText))" }
    text += ". File: \(key.path); environment: \(key.environmentName)."
    if key.isSecret {
        text += " Secret: a flag shows in `ps`; prefer \(key.filePath) in the file or \(key.fileEnvironmentName)."
    }
    return ArgumentHelp(text, valueName: valueName ?? key.flag.components(separatedBy: "-").last,
                        visibility: scope.reads(path) ? .default : .hidden)
}

private func configurationKey(_ path: String) -> ConfigurationKey {
    guard let key = HelioConfiguration.key(path) else { fatalError("no configuration key \(path) in HelioConfiguration.keys") }
    return key
}
