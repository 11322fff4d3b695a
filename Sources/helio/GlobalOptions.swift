import ArgumentParser
import HelioKafka
import HelioOps
import HelioPostgres
import Logging

/// Options every service command shares.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Log format: json or text (HELIO_LOG_FORMAT).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (HELIO_LOG_LEVEL).")
    var logLevel: String?

    @Flag(help: "Run with a librdkafka older than 2.1 (it mis-parses some brokers' ApiVersions reply).")
    var allowOldLibrdkafka = false

    /// Reads the configuration, starts logging and checks the loaded libraries.
    func start(_ label: String) throws -> (HelioConfiguration, Logger) {
        var config: HelioConfiguration
        do {
            config = try HelioConfiguration.fromEnvironment()
        } catch {
            print("helio: \(error)")
            throw ExitCode(HelioExit.configuration)
        }
        if let logFormat {
            guard let format = HelioConfiguration.LogFormat(rawValue: logFormat) else {
                throw ValidationError("--log-format must be json or text")
            }
            config.logFormat = format
        }
        if let logLevel { config.logLevel = logLevel }
        config.allowOldLibrdkafka = config.allowOldLibrdkafka || allowOldLibrdkafka
        LoggingBootstrap.once(format: config.logFormat, level: config.logLevel)
        let logger = Logger(label: label)
        logger.info("starting", metadata: [
            LogKeys.version: "\(HelioVersion.current)",
            "librdkafka": "\(KafkaLibrary.versionString)",
            "libpq": "\(PostgresConnection.libraryVersion)",
        ])
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
    static func once(format: HelioConfiguration.LogFormat, level: String) {
        guard !done else { return }
        done = true
        JSONLogHandler.bootstrap(format: format, level: level)
    }
}

/// Maps a failure to its exit status after logging it (the error text is secret-free).
func exitStatus(for error: Error, logger: Logger) -> ExitCode {
    logger.critical("\(error)", metadata: [LogKeys.errorKind: "\(type(of: error))"])
    switch error {
    case let error as PostgresError where error.kind == .connection || error.kind == .authentication:
        return ExitCode(HelioExit.unavailable)
    case is ConfigurationError:
        return ExitCode(HelioExit.configuration)
    default:
        return ExitCode(HelioExit.needsOperator)
    }
}
