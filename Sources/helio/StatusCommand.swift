import ArgumentParser
import Foundation
import HelioApply
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One screen on the pipeline: slot, topics and consumer lag, warehouse freshness. Exit status 1 when unhealthy.",
        discussion: """
            Example: helio status --config /etc/helio/helio.yaml --json | jq .problems

            Usable from cron and monitoring. Lag uses the broker's high watermarks, which some brokers report loosely.
            """)

    @OptionGroup var options: GlobalOptions<StatusKeys>
    @Option(help: "Unhealthy above this much WAL retained by the slot (bytes).") var maxRetainedBytes: Int64 = 1 << 30
    @Option(help: "Unhealthy above this many unapplied records in total.") var maxLag: Int64 = 100_000
    @Flag(help: "Print the report as one JSON object (slot, topics, warehouse, healthy, problems), for scripts.") var json = false

    func run() throws {
        let (config, logger) = try options.start("helio.status")
        var report = StatusReport(slotName: config.slot, groupID: config.groupID)
        let topics = TopicNames(prefix: config.topicPrefix)

        do {
            let pool = CommandPools.quick(try config.require(config.sourceURL, "HELIO_SOURCE_URL"), applicationName: "helio-status")
            defer { pool.close() }
            let slot = try pool.withConnection { source in try source.execute("""
                SELECT active::text, confirmed_flush_lsn::text, restart_lsn::text,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text, pg_current_wal_lsn()::text
                FROM pg_replication_slots WHERE slot_name = $1
                """, [config.slot]) }
            if let row = slot.rows.first {
                let state = StatusReport.Slot(active: row[0] == "true", confirmedLSN: row[1], serverLSN: row[4],
                                              retainedBytes: row[3].flatMap { Int64($0) })
                report.slot = state
                if !state.active { report.problems.append("slot \(config.slot) is not active: capture is not running") }
                if let retained = state.retainedBytes, retained > maxRetainedBytes {
                    report.problems.append("slot \(config.slot) retains \(retained) bytes of WAL (limit \(maxRetainedBytes))")
                }
            } else {
                report.problems.append("slot \(config.slot) does not exist")
            }
            report.slotChecked = true
        } catch {
            report.problems.append("source: \(error)")
        }

        do {
            let properties = KafkaProducer.defaults(brokers: try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS"), overrides: config.kafkaProperties)
            let kafka = try KafkaProducer(properties: properties, logger: logger)
            let partitions = try kafka.topics()
            let warehouse = CommandPools.quick(try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), applicationName: "helio-status")
            defer { warehouse.close() }
            let applied = try warehouse.withConnection { try OffsetStore(connection: $0, group: config.groupID).positions() }
            var totalLag: Int64 = 0
            var lagByPartition: [TopicPartition: Int64] = [:]
            for topic in config.topicNames + [topics.transaction] {
                guard let count = partitions[topic] else {
                    report.topics.append(.init(name: topic, partitions: nil, end: nil, applied: nil, lag: nil))
                    report.problems.append("topic \(topic) is missing")
                    continue
                }
                var end: Int64 = 0, lag: Int64 = 0
                for partition in 0..<Int32(count) {
                    let key = TopicPartition(topic: topic, partition: partition)
                    let (low, high) = (try? kafka.watermarks(key)) ?? (0, 0)
                    end += high
                    let partitionLag = OffsetStore.lag(next: applied[key], low: low, high: high)
                    lagByPartition[key] = partitionLag
                    lag += partitionLag
                }
                totalLag += lag
                report.topics.append(.init(name: topic, partitions: count, end: end, applied: end - lag, lag: lag))
            }
            if totalLag > maxLag { report.problems.append("apply lags by about \(totalLag) records (limit \(maxLag))") }
            report.members = try warehouse.withConnection { try OffsetStore(connection: $0, group: config.groupID).members() }.map { member in
                StatusReport.Member(member, lag: member.partitions.reduce(0) { $0 + (lagByPartition[$1] ?? 0) })
            }
            let fresh = try warehouse.withConnection { try $0.execute("""
                SELECT max(ts)::text, extract(epoch FROM now() - max(ts))::bigint::text FROM (
                  SELECT max(source_commit_ts) AS ts FROM dw.fact_energy UNION ALL SELECT max(source_commit_ts) FROM dw.dim_users
                  UNION ALL SELECT max(source_commit_ts) FROM dw.dim_units UNION ALL SELECT max(source_commit_ts) FROM dw.dim_devices
                  UNION ALL SELECT max(source_commit_ts) FROM dw.dim_day_climate) t
                """) }.rows.first
            let secondsAgo: String? = fresh?[1] ?? nil
            report.warehouse = .init(lastAppliedCommit: fresh?[0] ?? nil, secondsAgo: secondsAgo.flatMap { Int64($0) })
        } catch {
            report.problems.append("kafka/warehouse: \(error)")
        }

        if json {
            try ReportOutput.printJSON(report)
        } else {
            print(report.text)
        }
        if !report.healthy { throw ExitCode(HelioExit.unhealthy) }
    }
}
