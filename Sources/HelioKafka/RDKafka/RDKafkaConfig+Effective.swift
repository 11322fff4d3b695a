import CRdKafka

/// What librdkafka holds in a client's configuration after creating it: the operator's
/// `HELIO_KAFKA_PROPERTY_*` merged over Helio's defaults, as librdkafka parsed them. For
/// checks and diagnostics (a TLS or SASL setting that did or did not arrive), never for logic.
extension RDKafkaConfig {
    /// The value of `name` in `handle`'s configuration; `nil` when librdkafka has no such
    /// property. Secrets (names with `password` or `secret`) come back only as `***` when set.
    static func effectiveValue(_ name: String, of handle: OpaquePointer) -> String? {
        guard let conf = rd_kafka_conf(handle) else { return nil }
        var size = 0
        guard rd_kafka_conf_get(conf, name, nil, &size) == RD_KAFKA_CONF_OK else { return nil }
        var buffer = [CChar](repeating: 0, count: max(size, 1))
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        let value = String(cString: buffer)
        if name.contains("password") || name.contains("secret") { return value.isEmpty ? "" : "***" }
        return value
    }
}

extension KafkaProducer {
    /// The value librdkafka uses for property `name` (secrets as `***`); see `RDKafkaConfig.effectiveValue`.
    public func effectiveProperty(_ name: String) -> String? { RDKafkaConfig.effectiveValue(name, of: handle) }
}

extension KafkaConsumer {
    /// The value librdkafka uses for property `name` (secrets as `***`); see `RDKafkaConfig.effectiveValue`.
    public func effectiveProperty(_ name: String) -> String? { RDKafkaConfig.effectiveValue(name, of: handle) }
}
