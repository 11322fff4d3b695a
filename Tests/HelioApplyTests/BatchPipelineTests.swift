import Foundation
@testable import HelioApply
import HelioKafka
import Testing

@Suite("BatchPipeline: the consumer thread hands batches to the writer thread")
struct BatchPipelineTests {
    /// A writer that blocks on each batch until the test lets it go.
    final class GatedWriter: @unchecked Sendable {
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var seen: [[Int]] = []
        var batches: [[Int]] { lock.withLock { seen } }

        func apply(_ batch: [Int]) {
            lock.withLock { seen.append(batch) }
            started.signal()
            gate.wait()
        }
    }

    @Test("what arrives while a batch waits is merged into it, up to the limit; order is kept")
    func mergesWhileWaiting() throws {
        let writer = GatedWriter()
        let pipeline = BatchPipeline<[Int]>(name: "test-writer", merge: { waiting, next in
            guard waiting.count + next.count <= 4 else { return false }
            waiting += next
            return true
        }) { writer.apply($0) }
        try pipeline.submit([1])
        writer.started.wait()              // the writer holds [1]
        try pipeline.submit([2])           // waits its turn
        let merged = DispatchSemaphore(value: 0)
        Thread { try? pipeline.submit([3, 4]); merged.signal() }.start()   // merged: [2, 3, 4]
        #expect(merged.wait(timeout: .now() + 2) == .success, "a batch that fits must not wait")
        let blocked = DispatchSemaphore(value: 0)
        let late = Thread {
            try? pipeline.submit([5, 6])   // would make 5: waits for [2, 3, 4] to go
            blocked.signal()
        }
        late.start()
        #expect(blocked.wait(timeout: .now() + 0.3) == .timedOut, "a batch that does not fit must wait")
        writer.gate.signal()               // [1] done; the writer takes [2, 3, 4], [5, 6] queues
        #expect(blocked.wait(timeout: .now() + 5) == .success)
        writer.started.wait()
        writer.gate.signal()
        writer.started.wait()
        writer.gate.signal()
        try pipeline.drain()
        pipeline.close()
        #expect(writer.batches == [[1], [2, 3, 4], [5, 6]])
    }

    @Test("a prepared batch absorbs the next one: rows appended, seq continued, offsets and checks of the later records")
    func preparedBatchAbsorbs() {
        let a = TopicPartition(topic: "solar.public.energy", partition: 0)
        let b = TopicPartition(topic: "solar.public.energy", partition: 1)
        var first = ApplyService.PreparedBatch()
        first.records = 3
        first.changeRows = [1, 2]
        first.factRows = [3]
        first.transactionRows = [4]
        first.transactionCount = 1
        first.offsets = [a: 10, b: 5]
        first.checks = [a: (9, "0/10/0/9")]
        first.lastCommitMicros = 200
        first.counted(table: "energy", commitMicros: 100)
        first.counted(table: "energy", commitMicros: 150)
        #expect(first.nextSeq == 2)

        var second = ApplyService.PreparedBatch()
        second.firstSeq = first.nextSeq
        second.records = 2
        second.changeRows = [5]
        second.factRows = [6, 7]
        second.offsets = [a: 12]
        second.checks = [a: (11, "0/20/0/19")]
        second.lastCommitMicros = 180
        second.tableCounts = ["energy": 1, "devices": 1]
        second.changeCount = 2

        var tooBig = second
        tooBig.records = 20
        let tooBigAbsorbed = first.absorb(tooBig, maxRecords: 10)
        #expect(!tooBigAbsorbed)
        var outOfOrder = second
        outOfOrder.firstSeq = 0
        let outOfOrderAbsorbed = first.absorb(outOfOrder, maxRecords: 10)
        #expect(!outOfOrderAbsorbed, "seq numbers must follow on")
        #expect(first.records == 3 && first.changeRows == [1, 2])

        let absorbed = first.absorb(second, maxRecords: 10)
        #expect(absorbed)
        #expect(first.records == 5 && first.changeCount == 4 && first.nextSeq == 4)
        #expect(first.changeRows == [1, 2, 5] && first.factRows == [3, 6, 7] && first.transactionRows == [4])
        #expect(first.offsets == [a: 12, b: 5])
        #expect(first.checks[a]?.offset == 11 && first.checks[a]?.position == "0/20/0/19")
        #expect(first.lastCommitMicros == 200)
        #expect(first.tableCounts == ["energy": 3, "devices": 1])
    }
}
