import Foundation
import Histogram

/// What one run found, written as JSON for the bench script's table and plot.
struct LatencyResults: Codable {
    struct Summary: Codable {
        var count: UInt64
        var p50Ms: Double
        var p90Ms: Double
        var p99Ms: Double
        var p999Ms: Double
        var maxMs: Double
        /// (percentile, milliseconds) along HdrHistogram's percentile iteration, for the plot.
        var distribution: [[Double]]
        /// Per second of commit time since the load started (warm-up seconds included).
        var perSecond: [Second]

        struct Second: Codable {
            var second: Int
            var count: UInt64
            var p50Ms: Double
            var p99Ms: Double
            var maxMs: Double
        }

        init(_ recorder: LatencyRecorder) {
            self.init(recorder.measured, perSecond: recorder.perSecond)
        }

        init(_ histogram: Histogram<UInt64>, perSecond: [Int: Histogram<UInt64>] = [:]) {
            count = histogram.totalCount
            p50Ms = Self.ms(histogram.valueAtPercentile(50))
            p90Ms = Self.ms(histogram.valueAtPercentile(90))
            p99Ms = Self.ms(histogram.valueAtPercentile(99))
            p999Ms = Self.ms(histogram.valueAtPercentile(99.9))
            maxMs = Self.ms(histogram.max)
            distribution = histogram.totalCount == 0 ? [] :
                histogram.percentiles(ticksPerHalfDistance: 5).map { [$0.percentileLevelIteratedTo, Self.ms($0.value)] }
            self.perSecond = perSecond.keys.sorted().map { second in
                let h = perSecond[second]!
                return Second(second: second, count: h.totalCount, p50Ms: Self.ms(h.valueAtPercentile(50)),
                              p99Ms: Self.ms(h.valueAtPercentile(99)), maxMs: Self.ms(h.max))
            }
        }

        static func ms(_ micros: UInt64) -> Double { (Double(micros) / 100).rounded() / 10 }
    }

    var targetRate: Int
    var achievedRate: Double
    var seconds: Int
    var warmupSeconds: Int
    var rowsInserted: Int
    var rowsMeasured: Int
    var transactions: Int
    var dimensionChanges: Int
    var largestBacklogRows: Int
    var transactionDuration: Summary
    var pollIntervalMs: Double
    var pollDuration: Summary
    /// Whether the commit→Kafka reader ran (`--no-kafka-reader` leaves the broker alone).
    var kafkaRead: Bool
    /// Rows each reader saw in all (warm-up included); equal to rowsInserted when complete.
    var kafkaSeen: Int
    var warehouseSeen: Int
    var kafkaUnreadable: Int
    var drainSeconds: Double
    var complete: Bool
    var commitToKafka: Summary
    var commitToProduced: Summary
    var commitToWarehouse: Summary

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

extension Histogram {
    /// HdrHistogram's classic percentile table (`.hgrm`), values in milliseconds.
    func percentileTable() -> String {
        var text = ""
        outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        return text
    }
}
