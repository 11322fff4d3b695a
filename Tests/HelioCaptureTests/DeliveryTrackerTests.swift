@testable import HelioCapture
import PGOutput
import Testing

@Suite("DeliveryTracker")
struct DeliveryTrackerTests {
    @Test("a transaction is confirmable only when it and everything before it is acknowledged")
    func confirmsInOrder() {
        var tracker = DeliveryTracker(start: LSN(100))
        let a1 = tracker.nextID(), a2 = tracker.nextID()
        tracker.transactionEnded(at: LSN(200))
        let b1 = tracker.nextID()
        tracker.transactionEnded(at: LSN(300))
        #expect(tracker.confirmable == LSN(100))
        tracker.acknowledge(b1) // out of order: the later transaction is done first
        #expect(tracker.confirmable == LSN(100), "b cannot be confirmed before a")
        tracker.acknowledge(a2)
        #expect(tracker.confirmable == LSN(100))
        tracker.acknowledge(a1)
        #expect(tracker.confirmable == LSN(300))
        #expect(tracker.isIdle)
    }

    @Test("an idle stream confirms the server's position; a busy one does not")
    func idleConfirmation() {
        var tracker = DeliveryTracker(start: LSN(10))
        _ = tracker.nextID()
        tracker.transactionEnded(at: LSN(20))
        tracker.confirmIdle(upTo: LSN(50))
        #expect(tracker.confirmable == LSN(10), "a record in flight blocks idle confirmation")
        tracker.acknowledge(1)
        tracker.confirmIdle(upTo: LSN(50))
        #expect(tracker.confirmable == LSN(50))
        tracker.confirmIdle(upTo: LSN(40))
        #expect(tracker.confirmable == LSN(50), "never moves backwards")
    }

    @Test("a transaction with no published record is confirmable once earlier records are")
    func emptyTransaction() {
        var tracker = DeliveryTracker()
        let id = tracker.nextID()
        tracker.transactionEnded(at: LSN(5))
        tracker.transactionEnded(at: LSN(9)) // heartbeat-only transaction
        #expect(tracker.confirmable == LSN(0))
        tracker.acknowledge(id)
        #expect(tracker.confirmable == LSN(9))
    }

    @Test("many interleaved acknowledgements end fully confirmed")
    func randomOrder() {
        var tracker = DeliveryTracker()
        var ids: [UInt64] = []
        for transaction in 1...200 {
            for _ in 0..<(transaction % 7) { ids.append(tracker.nextID()) }
            tracker.transactionEnded(at: LSN(UInt64(transaction * 10)))
        }
        var generator = SystemRandomNumberGenerator()
        for id in ids.shuffled(using: &generator) { tracker.acknowledge(id) }
        #expect(tracker.confirmable == LSN(2000))
        #expect(tracker.inFlight == 0)
    }
}
