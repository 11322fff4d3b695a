import Synchronization

/// When the load started and which commits are measured: those committed from
/// `warmupSeconds` after the start for `seconds`. Set once by the load driver before its
/// first insert, read by the two latency readers on their threads.
final class MeasurementWindow: Sendable {
    let warmupSeconds: Int
    let seconds: Int
    private let loadStart = Atomic<Int64>(0)

    init(warmupSeconds: Int, seconds: Int) {
        self.warmupSeconds = warmupSeconds
        self.seconds = seconds
    }

    func start(atMicros micros: Int64) { loadStart.store(micros, ordering: .releasing) }

    var loadStartMicros: Int64 { loadStart.load(ordering: .acquiring) }
    var measuredStartMicros: Int64 { loadStartMicros + Int64(warmupSeconds) * 1_000_000 }
    var endMicros: Int64 { measuredStartMicros + Int64(seconds) * 1_000_000 }

    /// The second since the load started in which a change committed (warm-up included).
    func second(ofCommit micros: Int64) -> Int {
        Int((micros - loadStartMicros) / 1_000_000)
    }

    func isMeasured(commitMicros micros: Int64) -> Bool {
        micros >= measuredStartMicros && micros < endMicros
    }
}
