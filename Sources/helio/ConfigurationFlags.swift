import ArgumentParser
import HelioOps

/// A flag for every key of `HelioConfiguration.keys`: names, help and the key each sets come
/// from the table. Flags win over the environment, which wins over the file. The integration
/// test `ConfigCheckTests` sets every flag at once and checks `config check` reports each key
/// as coming from its flag, so a key added to the table without its line here fails there.
struct ConfigurationFlags: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("YAML configuration file (also HELIO_CONFIG_FILE).", valueName: "file"))
    var file: String?

    @Option(name: flag("source.url"), help: help("source.url")) var sourceURL: String?
    @Option(name: flag("warehouse.url"), help: help("warehouse.url")) var warehouseURL: String?
    @Option(name: flag("kafka.brokers"), help: help("kafka.brokers")) var kafkaBrokers: String?
    @Option(name: .customLong("kafka-property"), help: help("kafka.properties", valueName: "name=value")) var kafkaProperties: [String] = []
    @Flag(name: flag("kafka.allow_old_librdkafka"), help: help("kafka.allow_old_librdkafka")) var allowOldLibrdkafka = false

    @Option(name: flag("topics.prefix"), help: help("topics.prefix")) var topicPrefix: String?
    @Option(name: flag("topics.partitions"), help: help("topics.partitions")) var topicPartitions: String?
    @Option(name: flag("topics.replication_factor"), help: help("topics.replication_factor")) var topicReplicationFactor: String?
    @Option(name: flag("topics.config"), help: help("topics.config")) var topicConfig: String?

    @Option(name: flag("capture.slot"), help: help("capture.slot")) var slot: String?
    @Option(name: flag("capture.publication"), help: help("capture.publication")) var publication: String?
    @Option(name: flag("capture.tables"), help: help("capture.tables")) var tables: String?
    @Option(name: flag("capture.full_image_tables"), help: help("capture.full_image_tables")) var fullImageTables: String?
    @Option(name: flag("capture.spool_dir"), help: help("capture.spool_dir")) var spoolDir: String?
    @Option(name: flag("capture.spool_max_bytes"), help: help("capture.spool_max_bytes")) var spoolMaxBytes: String?
    @Option(name: flag("capture.decoding_work_mem"), help: help("capture.decoding_work_mem")) var decodingWorkMem: String?
    @Option(name: flag("capture.heartbeat_interval_seconds"), help: help("capture.heartbeat_interval_seconds")) var heartbeatIntervalSeconds: String?
    @Option(name: flag("capture.status_interval_seconds"), help: help("capture.status_interval_seconds")) var statusIntervalSeconds: String?
    @Option(name: flag("capture.snapshot"), help: help("capture.snapshot")) var snapshot: String?
    @Option(name: flag("capture.autocreate_publication"), help: help("capture.autocreate_publication")) var autocreatePublication: String?
    @Option(name: flag("capture.tombstones_on_delete"), help: help("capture.tombstones_on_delete")) var tombstonesOnDelete: String?
    @Option(name: flag("capture.compatibility"), help: help("capture.compatibility")) var compatibility: String?
    @Option(name: flag("capture.decimal_handling_mode"), help: help("capture.decimal_handling_mode")) var decimalHandlingMode: String?
    @Option(name: flag("capture.time_precision_mode"), help: help("capture.time_precision_mode")) var timePrecisionMode: String?

    @Option(name: flag("apply.group_id"), help: help("apply.group_id")) var groupID: String?
    @Option(name: flag("apply.pii_key"), help: help("apply.pii_key")) var piiKey: String?
    @Option(name: flag("apply.timezone"), help: help("apply.timezone")) var timezone: String?
    @Option(name: flag("apply.sample_minutes"), help: help("apply.sample_minutes")) var sampleMinutes: String?
    @Option(name: flag("apply.batch_size"), help: help("apply.batch_size")) var batchSize: String?
    @Option(name: flag("apply.batch_wait_ms"), help: help("apply.batch_wait_ms")) var batchWaitMs: String?
    @Option(name: flag("apply.scd_config"), help: help("apply.scd_config")) var scdConfig: String?
    @Option(name: flag("apply.transaction_consistency"), help: help("apply.transaction_consistency")) var transactionConsistency: String?

    @Option(name: flag("dlq.topic"), help: help("dlq.topic")) var dlqTopic: String?
    @Option(name: flag("dlq.replication_factor"), help: help("dlq.replication_factor")) var dlqReplicationFactor: String?
    @Option(name: flag("dlq.context_headers"), help: help("dlq.context_headers")) var dlqContextHeaders: String?

    @Option(name: flag("metrics.address"), help: help("metrics.address")) var metricsAddress: String?
    @Option(name: flag("log.format"), help: help("log.format")) var logFormat: String?
    @Option(name: flag("log.level"), help: help("log.level")) var logLevel: String?
    @Option(name: flag("log.file"), help: help("log.file")) var logFile: String?
    @Option(name: flag("log.max_bytes"), help: help("log.max_bytes")) var logMaxBytes: String?
    @Option(name: flag("log.max_files"), help: help("log.max_files")) var logMaxFiles: String?

    @OptionGroup(title: "Scheduled checks and alerts") var schedule: ScheduleFlags

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
            ("capture.tombstones_on_delete", tombstonesOnDelete), ("capture.decimal_handling_mode", decimalHandlingMode),
            ("capture.time_precision_mode", timePrecisionMode),
            ("apply.group_id", groupID), ("apply.pii_key", piiKey), ("apply.timezone", timezone),
            ("apply.sample_minutes", sampleMinutes), ("apply.batch_size", batchSize), ("apply.batch_wait_ms", batchWaitMs),
            ("apply.scd_config", scdConfig), ("apply.transaction_consistency", transactionConsistency),
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
/// flag is discouraged (the command line is visible to every user through `ps`).
func help(_ path: String, valueName: String? = nil) -> ArgumentHelp {
    let key = configurationKey(path)
    var text = key.summary
    if let defaultText = key.defaultText, !defaultText.isEmpty { text += " (default \(defaultText))" }
    text += ". File: \(key.path); environment: \(key.environmentName)."
    if key.isSecret {
        text += " Secret: a flag shows in `ps`; prefer \(key.filePath) in the file or \(key.fileEnvironmentName)."
    }
    return ArgumentHelp(text, valueName: valueName ?? key.flag.components(separatedBy: "-").last)
}

private func configurationKey(_ path: String) -> ConfigurationKey {
    guard let key = HelioConfiguration.key(path) else { fatalError("no configuration key \(path) in HelioConfiguration.keys") }
    return key
}
