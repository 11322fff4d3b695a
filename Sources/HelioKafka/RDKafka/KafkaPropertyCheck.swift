import CRdKafka

/// Asks librdkafka whether it accepts a property, without making a client: the start of every
/// command checks the operator's properties this way, so a typo stops it at once with a
/// configuration error (exit 64) that names the key and where it was set.
public enum KafkaPropertyCheck {
    /// librdkafka's reason for refusing `name=value` (an unknown property, a bad value), or nil.
    public static func refusal(name: String, value: String) -> String? {
        guard let conf = rd_kafka_conf_new() else { return nil }
        defer { rd_kafka_conf_destroy(conf) }
        return RDKafkaConfig.set(conf, name, value)
    }
}
