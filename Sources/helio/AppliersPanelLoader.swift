import Foundation
import HelioApply
import HelioEvents
import HelioKafka
import HelioOps
import HelioServer
import Logging

/// The status page's appliers panel for a process that reaches the warehouse and Kafka: every
/// 15 s, the group's members seen in the last minute and the lag of the partitions each holds,
/// as HelioApply computes them for `helio status` (`GroupLag`). Each load opens its own
/// connection and broker client and closes them (nothing held between loads).
enum AppliersPanelLoader {
    static func feed(_ config: HelioConfiguration, logger: Logger) -> PanelFeed<AppliersPanel> {
        guard let url = config.warehouseURL, let brokers = config.kafkaBrokers else {
            return .unavailable("The appliers panel needs the warehouse and Kafka: set warehouse.url (HELIO_WAREHOUSE_URL) and kafka.brokers (HELIO_KAFKA_BROKERS) for this process.")
        }
        let topics = config.topicNames + [TopicNames(prefix: config.topicPrefix).transaction]
        let properties = KafkaProducer.defaults(brokers: brokers, overrides: config.kafkaProperties)
        return PanelFeed(intervalSeconds: 15, name: "appliers-panel") { [group = config.groupID] in
            try load(url: url, group: group, topics: topics, properties: properties, logger: logger, now: Date())
        }
    }

    static func load(url: String, group: String, topics: [String], properties: [String: String], logger: Logger,
                     now: Date) throws -> AppliersPanel {
        let admin = try KafkaProducer(properties: properties, logger: logger)
        let warehouse = WarehouseStatusReader(url: url, group: group, applicationName: "helio-status-appliers")
        defer { warehouse.close() }
        let lag = try GroupLag.read(topics: topics, admin: admin, warehouse: warehouse)
        let members = try warehouse.members().map { member in
            AppliersPanel.Member(name: member.member, partitionCount: member.partitions.count,
                                 partitions: GroupLag.describe(member.partitions), lag: lag.lag(of: member),
                                 seenSecondsAgo: member.secondsSinceSeen)
        }
        return AppliersPanel(asOf: now, group: group, members: members, totalLag: lag.total)
    }
}
