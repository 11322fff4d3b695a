import ArgumentParser
import HelioCapture
import HelioOps
import Logging

/// `--debezium-properties FILE`: a Debezium PostgreSQL connector's properties, read into the
/// Helio keys that mean the same thing (docs/configuration.md, "Debezium connector
/// properties"). On the commands that run capture, and on `config check` to show the result.
struct DebeziumPropertiesOption: ParsableArguments {
    @Option(name: .customLong("debezium-properties"), help: ArgumentHelp(
        "A Debezium PostgreSQL connector's properties file: its keys set the Helio keys of the same meaning (flags and HELIO_* variables win over it; it wins over --config). Unknown and unsupported keys are refused by name.",
        valueName: "file"))
    var path: String?

    /// What a service runs with: the properties' overridden keys said in the log (a variable
    /// exported for another deployment would otherwise win unseen), and their table filters
    /// resolved against the source (exit 64 when they select nothing).
    static func prepare(_ loaded: LoadedConfiguration, logger: Logger) throws -> HelioConfiguration {
        for overridden in loaded.debeziumOverridden {
            logger.notice("Debezium property overridden", metadata: ["detail": "\(overridden)"])
        }
        do {
            return try TableSelectionResolver.resolve(loaded.configuration, logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}

extension GlobalOptions {
    /// The configuration with the Debezium properties laid over it, when given (exit 64
    /// naming the Debezium key when one is refused).
    func load(_ debezium: DebeziumPropertiesOption) throws -> LoadedConfiguration {
        var loaded = try load()
        guard let path = debezium.path else { return loaded }
        do {
            try loaded.overlayDebeziumProperties(at: path)
        } catch {
            printError("helio: \(error)")
            throw ExitCode(HelioExit.configuration)
        }
        return loaded
    }
}
