import ArgumentParser
import HelioKafka
import HelioOps
import HelioPostgres

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration, reach every service, and print the effective values with secrets redacted.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let (config, _) = try options.start("helio.config")
            print("source_url: \(config.sourceURL.map(ConnectionOptions.redact) ?? "(unset)")")
            print("warehouse_url: \(config.warehouseURL.map(ConnectionOptions.redact) ?? "(unset)")")
            print("kafka_brokers: \(config.kafkaBrokers ?? "(unset)")")
            print("topic_prefix: \(config.topicPrefix)")
            print("slot: \(config.slot)")
            print("publication: \(config.publication)")
            print("tables: \(config.tables.joined(separator: ","))")
            print("group_id: \(config.groupID)")
            print("timezone: \(config.timezone)")
            print("pii_key: \(config.piiKey == nil ? "(unset)" : "(set, redacted)")")
            print("metrics_addr: \(config.metricsAddress)")
            print("alert_webhook: \(config.schedule.alertWebhookURL.map(ScheduleConfiguration.redactWebhook) ?? "(unset)")")
            var failures = 0
            for (name, url) in [("source", config.sourceURL), ("warehouse", config.warehouseURL)] {
                guard let url else { continue }
                do {
                    let connection = try PostgresConnection(ConnectionOptions(url: url, connectTimeoutSeconds: 5))
                    print("\(name): reachable (server \(connection.serverVersion))")
                } catch {
                    failures += 1
                    print("\(name): \(error)")
                }
            }
            if let brokers = config.kafkaBrokers {
                do {
                    let properties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
                    let producer = try KafkaProducer(properties: properties, logger: .init(label: "helio.config"))
                    let topics = try producer.topics(timeoutMilliseconds: 5_000)
                    print("kafka: reachable (\(topics.count) topics)")
                } catch {
                    failures += 1
                    print("kafka: \(error)")
                }
            }
            if failures > 0 { throw ExitCode(HelioExit.unavailable) }
        }
    }
}
