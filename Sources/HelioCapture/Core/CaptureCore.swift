import HelioKafka
import PGOutput

/// Holds capture's state machine for the life of `helio capture`, across replication
/// connections and slots, and feeds it what the sink reports: records handed over and
/// acknowledged arrive whenever the sink polls Kafka (while it waits for room, during an
/// initial snapshot, on a drain), not only between two messages of the stream.
final class CaptureCore: DeliveryObserver {
    var machine: CaptureStateMachine

    init(confirmed: LSN, statusInterval: Double) {
        machine = CaptureStateMachine(confirmed: confirmed, statusInterval: statusInterval)
    }

    func transactionHandedOver(endingAt endLSN: LSN, lastDelivery: UInt64) {
        machine.handedOver(endingAt: endLSN, lastDelivery: lastDelivery)
    }

    func acknowledged(_ deliveries: [SinkDelivery]) {
        for delivery in deliveries { machine.acknowledged(delivery.id) }
    }
}
