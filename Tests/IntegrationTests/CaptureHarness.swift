import Foundation
import HelioCapture
import HelioEvents
import HelioKafka
import HelioOps
import HelioTestSupport

/// Runs capture in this process on its own thread, for tests that need no crash.
final class RunningCapture {
    let stop = StopSignal()
    let threads: ServiceThreads
    let service: CaptureService

    init(_ environment: TestEnvironment, config: HelioConfiguration? = nil) {
        threads = ServiceThreads(stop: stop)
        service = CaptureService(config: config ?? environment.userConfiguration(), logger: environment.logger)
        threads.start("capture") { [service, stop] in try service.run(shouldStop: { stop.isSet }) }
    }

    /// Stops capture and rethrows what made it fail, if anything did.
    func finish() throws {
        stop.set()
        try threads.wait()
    }
}

extension TestEnvironment {
    func topic(_ table: String) -> String { "\(name).public.\(table)" }
    var transactionTopic: String { "\(name).transaction" }

    /// The topics capture would create, for tests that run apply without capture.
    func createTopics() throws {
        let config = configuration()
        let admin = try KafkaProducer(properties: ["bootstrap.servers": stack.brokers], logger: logger)
        try admin.createTopics(config.topicNames, partitions: config.topicPartitions, replicationFactor: 1)
        try admin.createTopics([transactionTopic], partitions: 1, replicationFactor: 1)
    }

    /// Waits until capture has created the slot, published the snapshot and is streaming
    /// (a slot is already "active" while it is being created, so that is not enough).
    func waitForSlot() throws {
        let admin = try source()
        try eventually("capture to stream from its slot") {
            try admin.execute("""
                SELECT 1 FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid
                WHERE s.slot_name = $1 AND r.state = 'streaming'
                """, [name]).rows.count == 1
        }
    }

    /// Change events (tombstones excluded) of a table topic, decoded, ordered by source position.
    func changes(_ table: String, minimum: Int, within seconds: Double = 60) throws -> [ChangeEnvelope] {
        try TopicReader(brokers: stack.brokers).read([topic(table)], minimum: minimum, within: seconds)
            .compactMap { $0.value }
            .map { try ChangeEnvelope.decode($0) }
            .sorted { ($0.source.commitLSN, $0.source.lsn) < ($1.source.commitLSN, $1.source.lsn) }
    }
}
