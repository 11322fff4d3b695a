import HelioKafka
import Logging
import Synchronization

/// commit→Kafka: consumes the energy topic with a consumer group of its own and records,
/// for every event, the time it was received minus its source commit time (`source.ts_us`).
/// That is the time until a consumer can have the change, capture's decoding, batching
/// (`linger.ms`), the broker's acknowledgement and the fetch included.
///
/// It also records the record's own timestamp (set by capture's producer, milliseconds)
/// minus the commit time: the part of that latency spent before the record left capture.
final class KafkaLatencyReader: @unchecked Sendable {
    // @unchecked: the recorders are written only by the thread running `run` and read by
    // the main thread after that thread has finished (ReaderThreads.wait); the counters
    // the main thread watches meanwhile are atomics.
    private let brokers: String
    private let topic: String
    private let groupID: String
    private let logger: Logger
    private(set) var received: LatencyRecorder
    private(set) var produced: LatencyRecorder
    /// Records whose value held no `source.ts_us`; must stay 0.
    private(set) var unreadable = 0
    let seen = Atomic<Int>(0)
    let assigned = Atomic<Bool>(false)

    init(brokers: String, topic: String, groupID: String, window: MeasurementWindow, logger: Logger) {
        self.brokers = brokers
        self.topic = topic
        self.groupID = groupID
        self.logger = logger
        received = LatencyRecorder(window: window)
        produced = LatencyRecorder(window: window)
    }

    func run(stop: StopFlag) throws {
        // A short fetch wait: when the broker holds nothing new it answers after 10 ms, so
        // the probe's own polling adds little to what it measures.
        let consumer = try KafkaConsumer(properties: [
            "bootstrap.servers": brokers, "group.id": groupID, "enable.auto.commit": "false",
            "auto.offset.reset": "earliest", "fetch.wait.max.ms": "10", "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
        ], logger: logger)
        defer { consumer.close() }
        try consumer.subscribe([topic])
        while !stop.isSet {
            let records = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 20)
            let now = WallClock.nowMicros()
            if !consumer.assignment.isEmpty { assigned.store(true, ordering: .releasing) }
            for record in records {
                guard let value = record.value, let commit = CommitTime.micros(inEvent: value) else {
                    unreadable += 1
                    continue
                }
                received.record(commitMicros: commit, observedMicros: now)
                if let timestamp = record.timestampMs {
                    produced.record(commitMicros: commit, observedMicros: timestamp * 1_000)
                }
            }
            if !records.isEmpty { seen.add(records.count, ordering: .relaxed) }
        }
    }
}
