@testable import HelioCapture
import HelioOps
import Testing

/// Capture counts a transaction's changes per table and hands them to the metrics at its commit.
@Suite("CapturedCounts")
struct CapturedCountsTests {
    @Test("changes counted table after table, interleaved, reach the metrics per table at the drain, and only then")
    func countsUntilTheDrain() {
        let metrics = CaptureMetrics(health: .init())
        var counts = CapturedCounts()
        for table in ["energy", "energy", "units", "energy", "users", "users", "energy"] { counts.add(table) }
        #expect(counts.pending == ["energy": 4, "units": 1, "users": 2])
        #expect(metrics.totalCaptured == 0, "nothing before the commit")
        counts.drain(into: metrics)
        #expect(metrics.capturedByTable == ["energy": 4, "units": 1, "users": 2])
        #expect(counts.pending.isEmpty)
        counts.add("units")
        counts.drain(into: metrics)
        #expect(metrics.capturedByTable == ["energy": 4, "units": 2, "users": 2])
    }
}
