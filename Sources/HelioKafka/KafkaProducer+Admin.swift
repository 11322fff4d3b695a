import CRdKafka

extension KafkaProducer {
    /// Topics the cluster knows, with their partition counts.
    public func topics(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw RDKafkaConfig.error(code) }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                result[String(cString: topic.topic)] = Int(topic.partition_cnt)
            }
        }
        return result
    }

    /// Creates the topics that do not exist yet. Brokers that auto-create topics may have made
    /// some already; "already exists" is success.
    public func createTopics(_ names: [String], partitions: Int32, replicationFactor: Int32,
                             config: [String: String] = [:], timeoutMilliseconds: Int32 = 30_000) throws(KafkaError) {
        let existing = try topics(timeoutMilliseconds: min(timeoutMilliseconds, 10_000))
        let missing = names.filter { existing[$0] == nil }
        guard !missing.isEmpty else { return }
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for name in missing {
            var errorText = [CChar](repeating: 0, count: 512)
            guard let topic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errorText, errorText.count) else {
                throw KafkaError(code: -1, message: "topic \(name): \(String(cString: errorText))")
            }
            for (key, value) in config { _ = rd_kafka_NewTopic_set_config(topic, key, value) }
            newTopics.append(topic)
        }
        let resultQueue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(resultQueue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, resultQueue)
        }
        guard let event = rd_kafka_queue_poll(resultQueue, timeoutMilliseconds + 5_000) else {
            throw KafkaError(code: -1, message: "creating topics timed out", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaConfig.eventError(event) }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let code = rd_kafka_topic_result_error(results[index])
            if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(results[index]))
                let message = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) } ?? ""
                throw KafkaError.topicRefused(name, code: code.rawValue, message: message)
            }
        }
    }
}

extension KafkaProducer {
    /// The broker's low and high watermarks of a partition. Some brokers (Tansu) report the
    /// high watermark loosely: use it for display and lag estimates, never to decide that
    /// everything arrived.
    public func watermarks(_ partition: TopicPartition, timeoutMilliseconds: Int32 = 5_000) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
        return (low, high)
    }
}

extension KafkaProducer {
    /// For each partition, the earliest offset whose timestamp is at or after `timestampMs`
    /// (the end of the log when there is none): where a replay from a point in time starts.
    public func offsets(at timestampMs: Int64, for partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = KafkaConsumer.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, timestampMs) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_offsets_for_times(handle, list, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw RDKafkaConfig.error(code) }
        var result: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        return result
    }
}

extension KafkaError {
    /// The broker's answers to CreateTopics that say the topic's settings are wrong for it:
    /// INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than brokers),
    /// INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG, POLICY_VIOLATION. Asking again cannot help.
    static let topicSettingRefusals: Set<Int32> = [37, 38, 39, 40, 44]

    /// A topic the broker would not create; a configuration error when its settings were refused.
    public static func topicRefused(_ name: String, code: Int32, message: String) -> KafkaError {
        KafkaError(code: code, message: "could not create topic \(name): \(message)", isConfiguration: topicSettingRefusals.contains(code))
    }
}
