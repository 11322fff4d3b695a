import Foundation
import HelioKafka
import Logging

/// Apply subscribes only once every topic it reads exists on the broker.
///
/// librdkafka learns that a subscribed topic has been created only at its next metadata
/// refresh (`topic.metadata.refresh.interval.ms`, five minutes by default). An applier that
/// subscribed a moment before capture created the transaction topic consumed the changes
/// but never the END events, so every fact waited minutes for its dimension watermark.
/// Waiting for the topics first makes the start order of capture and apply irrelevant.
struct TopicAvailability {
    let admin: KafkaProducer
    let logger: Logger
    var recheckSeconds = 1.0
    var reminderSeconds = 30.0

    /// Topics the applier reads are not on the broker, and this run does not wait for them.
    struct Missing: Error, CustomStringConvertible {
        var topics: [String]
        var description: String {
            """
            the topics \(topics.joined(separator: ", ")) do not exist on the broker, so there is nothing to apply from: \
            start `helio capture` (it creates them), or check HELIO_TOPIC_PREFIX, HELIO_TABLES and HELIO_KAFKA_BROKERS
            """
        }
    }

    /// The names of `topics` the broker does not have.
    func missing(_ topics: [String]) throws -> [String] {
        let existing = try admin.topics(timeoutMilliseconds: 5_000)
        return topics.filter { existing[$0] == nil }
    }

    /// Returns true once every topic exists, false if stopped first. With `waitForever` false
    /// (a rebuild, which reads what is there and stops) missing topics are an error instead.
    func wait(for topics: [String], waitForever: Bool, shouldStop: () -> Bool,
              waiting: (String) -> Void = { _ in }) throws -> Bool {
        var lastReminder: Date?
        while !shouldStop() {
            let reason: String
            let (firstAdvice, laterAdvice): (String, String)
            do {
                let absent = try missing(topics)
                if absent.isEmpty { return true }
                if !waitForever { throw Missing(topics: absent) }
                reason = "waiting for topics that do not exist yet: \(absent.joined(separator: ", "))"
                (firstAdvice, laterAdvice) = ("helio capture creates the change topics when it starts",
                                              "check that capture runs with the same HELIO_TOPIC_PREFIX and HELIO_TABLES")
            } catch let error as KafkaError {
                reason = "waiting for the Kafka broker to list its topics (\(error))"
                (firstAdvice, laterAdvice) = ("check HELIO_KAFKA_BROKERS and that the broker is up",
                                              "check HELIO_KAFKA_BROKERS and that the broker is up")
            }
            waiting(reason)
            // A short wait is normal (capture and apply started together); one that lasts is not.
            if lastReminder == nil {
                logger.notice("\(reason); \(firstAdvice)")
                lastReminder = Date()
            } else if let last = lastReminder, Date().timeIntervalSince(last) >= reminderSeconds {
                logger.warning("still \(reason); \(laterAdvice)")
                lastReminder = Date()
            }
            Thread.sleep(forTimeInterval: recheckSeconds)
        }
        return false
    }
}
