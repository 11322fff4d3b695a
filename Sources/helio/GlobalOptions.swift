import ArgumentParser
import HelioCapture
import HelioKafka
import HelioOps
import Logging

/// Options every command shares: the configuration file and a flag for every key, those the
/// command reads (`Scope`) shown in its `--help`.
struct GlobalOptions<Scope: CommandKeys>: ParsableArguments {
    @OptionGroup(title: "Configuration (flags win over HELIO_* variables, which win over the --config file)")
    var configuration: ConfigurationFlags<Scope>

    /// Reads the configuration (exit 64 naming the key when it is wrong), without logging.
    func load() throws -> LoadedConfiguration {
        do {
            let loaded = try HelioConfiguration.load(configuration.sources)
            try Self.checkKafkaProperties(loaded)
            return loaded
        } catch {
            printError("helio: \(error)")
            throw ExitCode(HelioExit.configuration)
        }
    }

    /// librdkafka's verdict on each passthrough property, before any client is made: a typo
    /// is a configuration error naming the key and its source, never a failure of a service
    /// that a supervisor would restart.
    static func checkKafkaProperties(_ loaded: LoadedConfiguration) throws(ConfigurationError) {
        for (name, value) in loaded.configuration.kafkaProperties.sorted(by: { $0.key < $1.key }) {
            guard let refusal = KafkaPropertyCheck.refusal(name: name, value: value) else { continue }
            let path = "kafka.properties.\(name)"
            let shown = SecretText.isSecretKafkaProperty(name) ? "(the value is not shown: secret)" : "'\(value)'"
            throw ConfigurationError(key: path, problem: "\(shown) is refused by librdkafka: \(refusal); correct or remove it "
                + "(the properties: https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md)",
                source: loaded.source(of: path))
        }
    }

    /// Reads the configuration, starts logging and checks the loaded libraries.
    func start(_ label: String) throws -> (HelioConfiguration, Logger) {
        try start(label, with: load())
    }

    /// Starts logging and checks the loaded libraries for a configuration already read.
    func start(_ label: String, with loaded: LoadedConfiguration) throws -> (HelioConfiguration, Logger) {
        let config = loaded.configuration
        do {
            try LoggingBootstrap.once(config)
        } catch {
            printError("helio: configuration: log.file \(error)")
            throw ExitCode(HelioExit.configuration)
        }
        let logger = Logger(label: label)
        var metadata: Logger.Metadata = [
            LogKeys.version: "\(HelioVersion.current)",
            "librdkafka": "\(KafkaLibrary.versionString)",
            "libpq": "\(PostgresLibrary.version)",
        ]
        if let file = loaded.filePath { metadata[LogKeys.configFile] = "\(file)" }
        logger.info("starting", metadata: metadata)
        if !KafkaLibrary.isRecommended && !config.allowOldLibrdkafka {
            logger.critical("""
                librdkafka \(KafkaLibrary.versionString) is older than 2.1 and mis-parses some brokers' replies; \
                put a newer librdkafka.so.1 first on LD_LIBRARY_PATH (deploy/local/helio does this) \
                or pass --allow-old-librdkafka if your broker does not need it
                """)
            throw ExitCode(HelioExit.configuration)
        }
        return (config, logger)
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    /// Installs the log handler once: stdout or `log.file`, scrubbing the configuration's secrets.
    static func once(_ config: HelioConfiguration) throws {
        guard !done else { return }
        let output = try LogOutput(config)
        done = true
        JSONLogHandler.bootstrap(format: config.logFormat, level: config.logLevel, output: output)
    }
}

/// Maps a failure to its exit status after logging it (the error text is secret-free).
func exitStatus(for error: Error, logger: Logger) -> ExitCode {
    logger.critical("\(error)", metadata: [LogKeys.errorKind: "\(type(of: error))"])
    return ExitCode(HelioExit.status(for: error))
}
