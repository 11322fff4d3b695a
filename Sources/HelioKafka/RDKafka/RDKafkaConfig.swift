import CRdKafka

/// Builds an `rd_kafka_conf_t` from properties; the caller owns the result until `rd_kafka_new`
/// succeeds with it.
enum RDKafkaConfig {
    static func make(_ properties: [String: String], events: Int32) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(code: -1, message: "rd_kafka_conf_new failed") }
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            if let refusal = set(conf, name, value) {
                rd_kafka_conf_destroy(conf)
                let shown = name.contains("password") || name.contains("secret") ? "***" : value
                throw KafkaError(code: -1, message: "bad Kafka setting \(name)=\(shown): \(refusal); \(propertyAdvice)", isConfiguration: true)
            }
        }
        rd_kafka_conf_set_events(conf, events)
        return conf
    }

    /// Creates the client; destroys `conf` itself when librdkafka refuses it.
    static func client(type: rd_kafka_type_t, conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            // What librdkafka refuses here is its configuration: a CA or key file it cannot
            // load, settings that contradict each other (acks=1 with idempotence).
            throw KafkaError(code: -1, message: "could not create the Kafka client: \(String(cString: errorText)); \(propertyAdvice)",
                             isConfiguration: true)
        }
        return handle
    }

    static let propertyAdvice = "correct or remove the librdkafka property (kafka.properties, HELIO_KAFKA_PROPERTY_*, --kafka-property)"

    /// Sets one property; librdkafka's reason when it refuses it.
    static func set(_ conf: OpaquePointer, _ name: String, _ value: String) -> String? {
        var errorText = [CChar](repeating: 0, count: 512)
        guard rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK else { return nil }
        return String(cString: errorText)
    }

    static func error(_ code: rd_kafka_resp_err_t, _ handle: OpaquePointer? = nil) -> KafkaError {
        KafkaError(code: code.rawValue, message: String(cString: rd_kafka_err2str(code)),
                   isRetriable: false, isFatal: code == RD_KAFKA_RESP_ERR__FATAL)
    }

    static func eventError(_ event: OpaquePointer) -> KafkaError {
        let code = rd_kafka_event_error(event)
        let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(code))
        return KafkaError(code: code.rawValue, message: text, isRetriable: false,
                          isFatal: rd_kafka_event_error_is_fatal(event) != 0)
    }
}

/// The librdkafka this process loaded (which may differ from the headers it was built with).
public enum KafkaLibrary {
    public static var versionString: String { String(cString: rd_kafka_version_str()) }
    /// 0xMMmmrryy.
    public static var versionNumber: Int32 { rd_kafka_version() }
    /// 2.1.0: older releases mis-parse the ApiVersions reply of some brokers (Tansu among them).
    public static let minimumRecommended: Int32 = 0x0201_00ff
    public static var isRecommended: Bool { versionNumber >= minimumRecommended }
}
