import HelioKafka
import HelioPostgres

/// The positions apply has stored for a consumer group (`dw.consumer_offsets`), as `status`
/// shows them and `replay` rewinds them.
enum ConsumerOffsets {
    static func stored(_ warehouse: PostgresConnection, group: String) throws -> [TopicPartition: Int64] {
        var positions: [TopicPartition: Int64] = [:]
        for row in try warehouse.execute("SELECT topic, kpartition, next_offset FROM dw.consumer_offsets WHERE group_id = $1", [group]).rows {
            guard let topic = row[0], let partition = row[1].flatMap({ Int32($0) }), let offset = row[2].flatMap({ Int64($0) }) else { continue }
            positions[TopicPartition(topic: topic, partition: partition)] = offset
        }
        return positions
    }
}
