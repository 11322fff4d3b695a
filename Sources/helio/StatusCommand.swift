import ArgumentParser
import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One screen on the pipeline: slot, topics and consumer lag, warehouse freshness. Exit status 1 when unhealthy.",
        discussion: "Usable from cron and monitoring. Lag uses the broker's high watermarks, which some brokers report loosely.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Unhealthy above this much WAL retained by the slot (bytes).") var maxRetainedBytes: Int64 = 1 << 30
    @Option(help: "Unhealthy above this many unapplied records in total.") var maxLag: Int64 = 100_000

    func run() throws {
        let (config, logger) = try options.start("helio.status")
        var problems: [String] = []
        let topics = TopicNames(prefix: config.topicPrefix)

        print("== source (slot \(config.slot))")
        do {
            let pool = CommandPools.quick(try config.require(config.sourceURL, "HELIO_SOURCE_URL"), applicationName: "helio-status")
            defer { pool.close() }
            let slot = try pool.withConnection { source in try source.execute("""
                SELECT active::text, confirmed_flush_lsn::text, restart_lsn::text,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text, pg_current_wal_lsn()::text
                FROM pg_replication_slots WHERE slot_name = $1
                """, [config.slot]) }
            if let row = slot.rows.first {
                print("active: \(row[0] ?? "?")  confirmed: \(row[1] ?? "?")  server: \(row[4] ?? "?")  retained WAL: \(row[3] ?? "?") bytes")
                if row[0] != "true" { problems.append("slot \(config.slot) is not active: capture is not running") }
                if let retained = row[3].flatMap({ Int64($0) }), retained > maxRetainedBytes {
                    problems.append("slot \(config.slot) retains \(retained) bytes of WAL (limit \(maxRetainedBytes))")
                }
            } else {
                print("slot does not exist")
                problems.append("slot \(config.slot) does not exist")
            }
        } catch {
            problems.append("source: \(error)")
        }

        print("== kafka and apply (group \(config.groupID))")
        do {
            let properties = KafkaProducer.defaults(brokers: try config.require(config.kafkaBrokers, "HELIO_KAFKA_BROKERS"), overrides: config.kafkaProperties)
            let kafka = try KafkaProducer(properties: properties, logger: logger)
            let partitions = try kafka.topics()
            let warehouse = CommandPools.quick(try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), applicationName: "helio-status")
            defer { warehouse.close() }
            var applied: [TopicPartition: Int64] = [:]
            for row in try warehouse.withConnection({ try $0.execute("SELECT topic, kpartition, next_offset FROM dw.consumer_offsets WHERE group_id = $1", [config.groupID]) }).rows {
                if let topic = row[0], let partition = row[1].flatMap({ Int32($0) }), let offset = row[2].flatMap({ Int64($0) }) {
                    applied[TopicPartition(topic: topic, partition: partition)] = offset
                }
            }
            var totalLag: Int64 = 0
            for topic in config.topicNames + [topics.transaction] {
                guard let count = partitions[topic] else {
                    print("\(topic): missing")
                    problems.append("topic \(topic) is missing")
                    continue
                }
                var end: Int64 = 0, done: Int64 = 0
                for partition in 0..<Int32(count) {
                    let key = TopicPartition(topic: topic, partition: partition)
                    let high = (try? kafka.watermarks(key).high) ?? 0
                    end += high
                    done += min(applied[key] ?? 0, high)
                }
                totalLag += max(0, end - done)
                print("\(topic): \(count) partitions, end ≈ \(end), applied \(done), lag ≈ \(max(0, end - done))")
            }
            if totalLag > maxLag { problems.append("apply lags by about \(totalLag) records (limit \(maxLag))") }
            let fresh = try warehouse.withConnection { try $0.execute("""
                SELECT max(ts)::text, extract(epoch FROM now() - max(ts))::bigint::text FROM (
                  SELECT max(source_commit_ts) AS ts FROM dw.fact_energy UNION ALL SELECT max(source_commit_ts) FROM dw.dim_users
                  UNION ALL SELECT max(source_commit_ts) FROM dw.dim_units UNION ALL SELECT max(source_commit_ts) FROM dw.dim_devices
                  UNION ALL SELECT max(source_commit_ts) FROM dw.dim_day_climate) t
                """) }.rows.first
            print("== warehouse\nlast applied commit: \(fresh?[0] ?? "none")  (\(fresh?[1] ?? "?") s ago)")
        } catch {
            problems.append("kafka/warehouse: \(error)")
        }

        print(problems.isEmpty ? "status: healthy" : "status: UNHEALTHY\n" + problems.map { "- \($0)" }.joined(separator: "\n"))
        if !problems.isEmpty { throw ExitCode(HelioExit.unhealthy) }
    }
}
