import Histogram

/// Latencies of one path (commit→Kafka or commit→warehouse) in microseconds: an
/// HdrHistogram of the measured window, and one per second of commit time (warm-up
/// included) for the plot. Owned by one reader thread.
struct LatencyRecorder {
    /// 1 µs to 1 hour at 3 significant digits: 0.1 % resolution over the whole range.
    private(set) var measured = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                                  numberOfSignificantValueDigits: .three)
    /// Per second of commit time; 2 digits (1 %) is plenty for a time series and keeps them small.
    private(set) var perSecond: [Int: Histogram<UInt64>] = [:]
    /// Every change seen, measured or not.
    private(set) var seen = 0
    /// Observations that came out below zero (the poll began a hair before the commit
    /// it saw); recorded as 0.
    private(set) var negative = 0
    let window: MeasurementWindow

    init(window: MeasurementWindow) {
        self.window = window
    }

    mutating func record(commitMicros: Int64, observedMicros: Int64) {
        seen += 1
        var latency = observedMicros - commitMicros
        if latency < 0 {
            negative += 1
            latency = 0
        }
        let value = UInt64(latency)
        if window.isMeasured(commitMicros: commitMicros) {
            measured.record(value)
        }
        let second = window.second(ofCommit: commitMicros)
        if perSecond[second] == nil {
            perSecond[second] = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                                  numberOfSignificantValueDigits: .two)
        }
        perSecond[second]!.record(value)
    }
}
