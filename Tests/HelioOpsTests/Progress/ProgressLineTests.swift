import HelioOps
import Testing

@Suite("Progress line")
struct ProgressLineTests {
    @Test("with a total: bar, percent, counts, rate and time left")
    func withTotal() {
        let line = ProgressLine(done: 12_345, total: 23_456, unit: "rows", elapsedSeconds: 3)
        #expect(line.rendered() == "[==========>         ] 52% 12,345/23,456 rows 4,115/s ETA 0:03")
    }

    @Test("the bar is full and the time left zero when done; the bar never overflows a stale total")
    func full() {
        #expect(ProgressLine(done: 10, total: 10, unit: "checks", elapsedSeconds: 2).rendered(width: 10)
            == "[==========] 100% 10/10 checks 5/s ETA 0:00")
        #expect(ProgressLine(done: 15, total: 10, unit: "rows", elapsedSeconds: 1).rendered(width: 4).hasPrefix("[====] 100% 15/10"))
    }

    @Test("before any progress: an empty bar and no time left to show")
    func empty() {
        #expect(ProgressLine(done: 0, total: 11, unit: "checks", elapsedSeconds: 0).rendered(width: 5) == "[>    ] 0% 0/11 checks 0/s ETA -:--")
    }

    @Test("without a total: the count, the rate and the time spent")
    func withoutTotal() {
        #expect(ProgressLine(done: 1_234_567, total: nil, unit: "records", elapsedSeconds: 3_725.9).rendered()
            == "1,234,567 records 331/s 1:02:05")
        #expect(ProgressLine(done: 0, total: 0, unit: "records", elapsedSeconds: 0.4).rendered() == "0 records 0/s 0:00")
    }
}
