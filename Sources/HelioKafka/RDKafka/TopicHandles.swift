import CRdKafka

/// The producer's librdkafka topic handles, one per topic name, made at the topic's first
/// record and kept for the producer's life. Producing by handle skips the lookup librdkafka
/// does for a name (a lock and a walk comparing names) on every record; records mostly come
/// topic after topic, so the last handle is checked before the dictionary.
struct TopicHandles {
    private var byName: [String: OpaquePointer] = [:]
    private var last: (name: String, handle: OpaquePointer)?

    /// The handle of `name`, nil when librdkafka refuses it (`rd_kafka_last_error` says why).
    mutating func handle(_ name: String, client: OpaquePointer) -> OpaquePointer? {
        if let last, last.name == name { return last.handle }
        if let known = byName[name] {
            last = (name, known)
            return known
        }
        // nil configuration: the producer's default topic settings, as producing by name uses.
        guard let made = rd_kafka_topic_new(client, name, nil) else { return nil }
        byName[name] = made
        last = (name, made)
        return made
    }

    /// Before the client is destroyed.
    mutating func destroyAll() {
        for handle in byName.values { rd_kafka_topic_destroy(handle) }
        byName.removeAll()
        last = nil
    }
}
