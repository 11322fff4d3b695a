import Foundation
import HelioKafka
import Synchronization

/// This apply process as a member of its consumer group, in the warehouse (`dw.apply_member`,
/// through `OffsetStore`): its assignment after each rebalance and a sign of life every
/// `interval` seconds, so that `helio status` shows each member, its partitions and its lag.
final class ApplyMember: Sendable {
    let name: String
    let host: String
    let pid: Int32
    let interval: Double
    private let lastBeat = Mutex(Date.distantPast)

    init(interval: Double = 10) {
        host = ProcessInfo.processInfo.hostName
        pid = getpid()
        name = "\(host):\(pid):\(UUID().uuidString.prefix(8).lowercased())"
        self.interval = interval
    }

    /// Whether a sign of life is due.
    func due() -> Bool { lastBeat.withLock { Date().timeIntervalSince($0) >= interval } }

    /// The assignment now (after a rebalance, or as a sign of life).
    func register(partitions: Set<TopicPartition>, store: OffsetStore) throws {
        try store.register(member: name, host: host, pid: pid, partitions: partitions)
        lastBeat.withLock { $0 = Date() }
    }
}
