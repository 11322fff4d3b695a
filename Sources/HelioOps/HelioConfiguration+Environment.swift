import Foundation

/// Reads configuration from `HELIO_*` environment variables (they win over a file), and
/// secrets from `*_FILE` variables that name a file holding them.
extension HelioConfiguration {
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HelioConfiguration {
        var config = HelioConfiguration()
        try config.apply(environment: environment)
        return config
    }

    public mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) throws -> String? {
            if let direct = environment[name], !direct.isEmpty { return direct }
            if let path = environment[name + "_FILE"], !path.isEmpty {
                do {
                    return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                } catch {
                    throw ConfigurationError(key: name + "_FILE", problem: "cannot read the file \(path)")
                }
            }
            return nil
        }
        func number<T: LosslessStringConvertible>(_ name: String, _ current: T) throws -> T {
            guard let text = try value(name) else { return current }
            guard let parsed = T(text) else { throw ConfigurationError(key: name, problem: "'\(text)' is not a number") }
            return parsed
        }
        func list(_ name: String) throws -> [String]? {
            try value(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        sourceURL = try value("HELIO_SOURCE_URL") ?? sourceURL
        warehouseURL = try value("HELIO_WAREHOUSE_URL") ?? warehouseURL
        kafkaBrokers = try value("HELIO_KAFKA_BROKERS") ?? kafkaBrokers
        topicPrefix = try value("HELIO_TOPIC_PREFIX") ?? topicPrefix
        slot = try value("HELIO_SLOT") ?? slot
        publication = try value("HELIO_PUBLICATION") ?? publication
        tables = try list("HELIO_TABLES")?.map(Self.qualify) ?? tables
        fullImageTables = try list("HELIO_FULL_IMAGE_TABLES")?.map(Self.qualify) ?? fullImageTables
        topicPartitions = try number("HELIO_TOPIC_PARTITIONS", topicPartitions)
        topicReplicationFactor = try number("HELIO_TOPIC_REPLICATION_FACTOR", topicReplicationFactor)
        spoolDirectory = try value("HELIO_SPOOL_DIR") ?? spoolDirectory
        decodingWorkMem = try value("HELIO_DECODING_WORK_MEM") ?? decodingWorkMem
        heartbeatIntervalSeconds = try number("HELIO_HEARTBEAT_INTERVAL_SECONDS", heartbeatIntervalSeconds)
        groupID = try value("HELIO_GROUP_ID") ?? groupID
        scdConfiguration = try value("HELIO_SCD_CONFIG") ?? scdConfiguration
        if let topicConfig = try value("HELIO_TOPIC_CONFIG") {
            topicConfiguration = [:]
            for pair in topicConfig.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { throw ConfigurationError(key: "HELIO_TOPIC_CONFIG", problem: "'\(pair)' is not name=value") }
                topicConfiguration[parts[0]] = parts[1]
            }
        }
        timezone = try value("HELIO_TIMEZONE") ?? timezone
        sampleMinutes = try number("HELIO_SAMPLE_MINUTES", sampleMinutes)
        batchSize = try number("HELIO_BATCH_SIZE", batchSize)
        batchWaitMilliseconds = try number("HELIO_BATCH_WAIT_MS", batchWaitMilliseconds)
        piiKey = try value("HELIO_PII_KEY") ?? piiKey
        metricsAddress = try value("HELIO_METRICS_ADDR") ?? metricsAddress
        logLevel = try value("HELIO_LOG_LEVEL") ?? logLevel
        if let format = try value("HELIO_LOG_FORMAT") {
            guard let parsed = LogFormat(rawValue: format) else {
                throw ConfigurationError(key: "HELIO_LOG_FORMAT", problem: "'\(format)' is not one of json, text")
            }
            logFormat = parsed
        }
        if let snapshot = try value("HELIO_SNAPSHOT") { snapshotOnCreate = !["0", "false", "never", "no"].contains(snapshot.lowercased()) }
        // librdkafka passthrough: HELIO_KAFKA_PROPERTY_SASL_MECHANISM=PLAIN → sasl.mechanism.
        for (name, setting) in environment where name.hasPrefix("HELIO_KAFKA_PROPERTY_") {
            let key = name.dropFirst("HELIO_KAFKA_PROPERTY_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            kafkaProperties[key] = setting
        }
        try schedule.apply(environment: environment)
    }

    static func qualify(_ table: String) -> String {
        table.contains(".") ? table : "public.\(table)"
    }

    /// Values a command needs, with a message naming the variable when missing.
    public func require(_ value: String?, _ name: String) throws -> String {
        guard let value, !value.isEmpty else {
            throw ConfigurationError(key: name, problem: "is not set; export it (or \(name)_FILE naming a file that holds it)")
        }
        return value
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var key: String
    public var problem: String
    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }
    public var description: String { "configuration: \(key) \(problem)" }
}
