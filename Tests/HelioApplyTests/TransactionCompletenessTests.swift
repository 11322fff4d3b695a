@testable import HelioApply
import Testing

@Suite("TransactionCompleteness: does a batch hold the ENDs and dimension changes its facts need")
struct TransactionCompletenessTests {
    @Test("facts are complete once the END of their transaction, or a later one, was seen")
    func endsInCommitOrder() {
        var tracker = TransactionCompleteness()
        #expect(!tracker.isComplete(through: 100))
        tracker.sawEnd(commitLSN: 100, dimensionChanges: 0)
        #expect(tracker.isComplete(through: 100))
        #expect(tracker.isComplete(through: 50))
        #expect(!tracker.isComplete(through: 101))
    }

    @Test("an END announcing dimension changes waits for them, whichever comes first")
    func dimensionChanges() {
        var tracker = TransactionCompleteness()
        tracker.sawEnd(commitLSN: 100, dimensionChanges: 2)
        #expect(!tracker.isComplete(through: 100))
        tracker.sawDimensionChange(commitLSN: 100)
        #expect(!tracker.isComplete(through: 100))
        tracker.sawDimensionChange(commitLSN: 100)
        #expect(tracker.isComplete(through: 100))

        tracker.sawDimensionChange(commitLSN: 200)   // before its END
        tracker.sawEnd(commitLSN: 200, dimensionChanges: 1)
        #expect(tracker.isComplete(through: 200))
    }

    @Test("an earlier transaction's missing dimension change blocks later facts")
    func earlierTransactionBlocks() {
        var tracker = TransactionCompleteness()
        tracker.sawEnd(commitLSN: 100, dimensionChanges: 1)
        tracker.sawEnd(commitLSN: 200, dimensionChanges: 0)
        #expect(!tracker.isComplete(through: 200))
        #expect(tracker.isComplete(through: 99))
    }

    @Test("giving up forgets what did not come, so later batches do not wait for it again")
    func givingUp() {
        var tracker = TransactionCompleteness()
        tracker.sawEnd(commitLSN: 100, dimensionChanges: 1)
        tracker.giveUp(through: 150)
        #expect(tracker.isComplete(through: 150))
        tracker.sawEnd(commitLSN: 300, dimensionChanges: 1)
        tracker.giveUp(through: 250)
        #expect(!tracker.isComplete(through: 300), "what lies beyond the batch is still awaited")
    }

    @Test("the state stays bounded when dimension changes never meet their ENDs")
    func bounded() {
        var tracker = TransactionCompleteness()
        for lsn in 1...UInt64(TransactionCompleteness.capacity + 100) { tracker.sawDimensionChange(commitLSN: lsn) }
        #expect(tracker.pendingCount <= TransactionCompleteness.capacity)
    }
}
