import ArgumentParser
import HelioApply
import HelioCapture
import HelioKafka
import HelioOps
import Logging

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration, reach every service, and print the effective values with secrets redacted.",
            discussion: "Example: helio config check --config /etc/helio/helio.yaml --offline --json")
        @OptionGroup var options: GlobalOptions<EveryKey>
        @OptionGroup var debezium: DebeziumPropertiesOption
        @Flag(help: "Only read and validate the configuration; do not try to reach the services.")
        var offline = false
        @Flag(help: "Print the report as one JSON object (configuration_file, keys with value and source, services), for scripts.")
        var json = false

        func run() throws {
            let loaded = try options.load(debezium)
            let (config, _) = try options.start("helio.config", with: loaded)
            var report = ConfigCheckReport(loaded)
            // Text goes out as it is found; JSON once, at the end.
            func say(_ text: String) { if !json { print(text) } }
            defer { if json { try? ReportOutput.printJSON(report) } }
            say(Self.describe(loaded))
            // What capture and apply would refuse at start: the value modes without the debezium form.
            do {
                try config.checkDebeziumValueModes()
            } catch {
                printError("helio: \(error)")
                throw ExitCode(HelioExit.configuration)
            }
            guard !offline else { return }
            var failures = 0
            let databases: [(String, String?, (String) throws -> Int)] = [
                ("source", config.sourceURL, { try SourceReachability.serverVersion(url: $0) }),
                ("warehouse", config.warehouseURL, { try WarehouseReachability.serverVersion(url: $0) }),
            ]
            for (name, url, serverVersion) in databases {
                guard let url else { continue }
                do {
                    let version = try serverVersion(url)
                    report.services.append(.init(name: name, reachable: true, detail: "server \(version)"))
                    say("\(name): reachable (server \(version))")
                    if name == "source", config.tableSelection != nil {
                        // What capture would select if it started now.
                        var quiet = Logger(label: "helio.config")
                        quiet.logLevel = .warning
                        let tables = try TableSelectionResolver.resolve(config, logger: quiet).tables
                        say("source: the Debezium properties select \(tables.joined(separator: ","))")
                    }
                } catch {
                    failures += 1
                    report.services.append(.init(name: name, reachable: false, detail: "\(error)"))
                    say("\(name): \(error)")
                }
            }
            if let brokers = config.kafkaBrokers {
                do {
                    let properties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
                    let producer = try KafkaProducer(properties: properties, logger: .init(label: "helio.config"))
                    let topics = try producer.topics(timeoutMilliseconds: 5_000)
                    report.services.append(.init(name: "kafka", reachable: true, detail: "\(topics.count) topics"))
                    say("kafka: reachable (\(topics.count) topics)")
                } catch {
                    failures += 1
                    report.services.append(.init(name: "kafka", reachable: false, detail: "\(error)"))
                    say("kafka: \(error)")
                }
            }
            if failures > 0 { throw ExitCode(HelioExit.unavailable) }
        }

        /// Where the configuration came from, then one row per key: its effective value
        /// (secrets redacted) and its source, like `kafka-configs --describe`.
        static func describe(_ loaded: LoadedConfiguration) -> String {
            var lines: [String] = []
            if let file = loaded.filePath {
                lines.append("configuration file: \(file) (\(loaded.fileOrigin.map { "\($0)" } ?? "given"))")
            } else {
                lines.append("configuration file: none (give one with --config or HELIO_CONFIG_FILE)")
            }
            if let debezium = loaded.debezium {
                lines.append("debezium properties: \(debezium.file) (flag --debezium-properties; flags and HELIO_* variables win over it, it wins over the file)")
                for (key, reason) in debezium.ignored { lines.append("  \(key): accepted, not used (\(reason))") }
                for overridden in loaded.debeziumOverridden { lines.append("  \(overridden)") }
            }
            let rows = loaded.rows
            let keyWidth = max(3, rows.map(\.key.count).max() ?? 0)
            let valueWidth = min(60, max(5, rows.map(\.value.count).max() ?? 0))
            func line(_ key: String, _ value: String, _ source: String) -> String {
                let paddedKey = key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
                let paddedValue = value.count < valueWidth ? value.padding(toLength: valueWidth, withPad: " ", startingAt: 0) : value
                return "\(paddedKey)  \(paddedValue)  \(source)"
            }
            lines.append(line("KEY", "VALUE", "SOURCE"))
            for row in rows { lines.append(line(row.key, row.value, "\(row.origin)")) }
            return lines.joined(separator: "\n")
        }
    }
}
