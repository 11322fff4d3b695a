@testable import HelioCapture
import PGOutput
import Testing

/// What capture tells the slot: never more than Kafka acknowledged, across takeovers and
/// failovers. Transactions are built by hand; the sink is `MachineHarness`'s.
@Suite("CaptureStateMachine: what the slot may forget")
struct CaptureStateMachineConfirmationTests {
    /// A transaction with `rows` inserts whose commit ends at `end`.
    static func transaction(xid: UInt32, end: UInt64, rows: Int) -> [(PGOutputMessage, LSN)] {
        let row = PGOutputMessage.insert(.init(relationID: 1, newTuple: TupleData(values: [.text("\(xid)")])))
        return [(.begin(.init(finalLSN: LSN(end - 8), commitTime: 0, xid: xid)), LSN(end - 40))]
            + (0..<rows).map { (row, LSN(end - 32 + UInt64($0))) }
            + [(.commit(.init(commitLSN: LSN(end - 8), endLSN: LSN(end), commitTime: 0)), LSN(end - 8))]
    }

    static func publish(_ harness: MachineHarness, xid: UInt32, end: UInt64, rows: Int) throws {
        for (message, lsn) in transaction(xid: xid, end: end, rows: rows) { try harness.feed(message: message, at: lsn) }
    }

    @Test("acknowledged out of order, in any order, the confirmed position is the end of the last transaction whose records and all before them Kafka has")
    func confirmsOnlyAcknowledged() throws {
        var random = SplitMix64(seed: 13)
        for _ in 0..<25 {
            let harness = try MachineHarness(confirmed: LSN(1_000))
            var checkpoints: [(last: UInt64, end: LSN)] = []
            for index in 0..<6 {
                let end = UInt64(1_100 + 100 * index)
                try Self.publish(harness, xid: UInt32(10 + index), end: end, rows: index % 3) // some publish nothing
                checkpoints.append((harness.lastDelivery, LSN(end)))
            }
            var acknowledged = Set<UInt64>()
            for (step, id) in Array(1...harness.lastDelivery).shuffled(using: &random).enumerated() {
                harness.acknowledge([id])
                acknowledged.insert(id)
                var through: UInt64 = 0
                while acknowledged.contains(through + 1) { through += 1 }
                let expected = checkpoints.filter { $0.last <= through }.map(\.end).max() ?? LSN(1_000)
                #expect(harness.machine.confirmable == expected)
                let status = harness.machine.statusUpdate(now: Double(step), force: true)
                #expect(status?.flushed == expected, "the slot hears only what Kafka acknowledged")
            }
            #expect(harness.machine.confirmable == LSN(1_600))
        }
    }

    @Test("a keepalive's position is confirmed only with nothing open, spooled or unacknowledged")
    func idleConfirmation() throws {
        let harness = try MachineHarness(confirmed: LSN(100))
        harness.machine.keepalive(walEnd: LSN(200))
        #expect(harness.machine.confirmable == LSN(200), "an idle publication must not pin WAL")

        let open = Self.transaction(xid: 5, end: 400, rows: 2)
        for (message, lsn) in open.dropLast() { try harness.feed(message: message, at: lsn) }
        harness.machine.keepalive(walEnd: LSN(300))
        #expect(harness.machine.confirmable == LSN(200), "not inside a transaction")
        try harness.feed(message: open.last!.0, at: open.last!.1)
        harness.machine.keepalive(walEnd: LSN(450))
        #expect(harness.machine.confirmable == LSN(200), "not with records in flight")
        harness.acknowledge(1...harness.lastDelivery)
        #expect(harness.machine.confirmable == LSN(400))
        harness.machine.keepalive(walEnd: LSN(450))
        #expect(harness.machine.confirmable == LSN(450))

        let stream = try WireFixture("stream-v2", start: 500)
        try harness.feed(stream, through: 3) // Stream Start, Relation, two inserts
        harness.machine.keepalive(walEnd: LSN(900))
        #expect(harness.machine.confirmable == LSN(450), "not while a streamed transaction waits in the spool")
        harness.machine.keepalive(walEnd: LSN(300))
        #expect(harness.machine.confirmable == LSN(450), "never backwards")
    }

    @Test("status updates: every interval, sooner (once a second at most) when the position moved, at once when forced")
    func statusTiming() throws {
        let harness = try MachineHarness(confirmed: LSN(100), statusInterval: 10)
        #expect(harness.machine.statusUpdate(now: 0.05, force: false) == nil)
        #expect(harness.machine.statusUpdate(now: 0.5, force: false) == .init(written: LSN(100), flushed: LSN(100)), "the first, caught up")
        #expect(harness.machine.statusUpdate(now: 5, force: false) == nil, "nothing moved")
        #expect(harness.machine.statusUpdate(now: 11, force: false) != nil, "the interval passed")
        try Self.publish(harness, xid: 1, end: 300, rows: 2)
        try Self.publish(harness, xid: 2, end: 400, rows: 1)
        harness.acknowledge(1...harness.lastDelivery - 1)
        #expect(harness.machine.confirmable == LSN(300))
        #expect(harness.machine.statusUpdate(now: 11.5, force: false) == nil, "within a second of the last, a record still in flight")
        #expect(harness.machine.statusUpdate(now: 12, force: false)?.flushed == LSN(300), "a second after the last")
        #expect(harness.machine.statusUpdate(now: 12.2, force: true)?.flushed == LSN(300), "at once when forced")
        #expect(harness.machine.statusUpdate(now: 12.3, force: true)?.flushed == LSN(300))
    }

    @Test("status updates: once caught up (nothing open, spooled or in flight) the position goes out within a tenth of a second, not a second")
    func statusWhenCaughtUp() throws {
        let harness = try MachineHarness(confirmed: LSN(100), statusInterval: 10)
        #expect(harness.machine.statusUpdate(now: 1, force: false)?.flushed == LSN(100))
        try Self.publish(harness, xid: 1, end: 300, rows: 2)
        #expect(harness.machine.statusUpdate(now: 1.2, force: false) == nil, "records in flight, nothing confirmable yet")
        harness.acknowledge(1...harness.lastDelivery)
        #expect(harness.machine.statusUpdate(now: 1.05, force: false) == nil, "a tenth of a second at most once")
        #expect(harness.machine.statusUpdate(now: 1.2, force: false)?.flushed == LSN(300), "caught up: confirmed without waiting a second")
        #expect(harness.machine.statusUpdate(now: 1.4, force: false) == nil, "nothing moved since")

        let stream = try WireFixture("stream-v2", start: 500)
        try harness.feed(stream, through: 3) // a streamed transaction waits in the spool
        try Self.publish(harness, xid: 2, end: 1_000, rows: 1)
        harness.acknowledge(1...harness.lastDelivery)
        #expect(harness.machine.confirmable > LSN(300))
        #expect(harness.machine.statusUpdate(now: 1.5, force: false) == nil, "not caught up while a streamed transaction waits: once a second")
        #expect(harness.machine.statusUpdate(now: 2.2, force: false)?.flushed == harness.machine.confirmable)
    }

    @Test("takeover: a standby starting at the slot's confirmed position publishes again what the dead capture had delivered but not confirmed, and confirms it only once its own sink has it")
    func takeover() throws {
        let active = try MachineHarness(confirmed: LSN(1_000))
        try Self.publish(active, xid: 1, end: 1_100, rows: 2)
        active.acknowledge(1...active.lastDelivery)
        let sent = active.machine.statusUpdate(now: 100, force: true)
        let confirmed = try #require(sent).flushed
        #expect(confirmed == LSN(1_100))
        try Self.publish(active, xid: 2, end: 1_200, rows: 3)
        active.acknowledge(1...active.lastDelivery) // Kafka has it; the capture dies before telling the slot
        let stream = try WireFixture("stream-v2", start: 1_300)
        try active.feed(stream, through: 10) // and was in the middle of a streamed transaction

        // The standby takes the slot at what it says was confirmed, with a fresh spool.
        let standby = try MachineHarness(confirmed: confirmed)
        #expect(standby.machine.statusUpdate(now: 0, force: true)?.flushed == LSN(1_100))
        try Self.publish(standby, xid: 2, end: 1_200, rows: 3)
        #expect(standby.published.count == 5, "the transaction is published again: at least once")
        #expect(standby.machine.statusUpdate(now: 1, force: true)?.flushed == LSN(1_100), "not before its own sink has it")
        standby.acknowledge(1...standby.lastDelivery)
        #expect(standby.machine.statusUpdate(now: 2, force: true)?.flushed == LSN(1_200))
        try standby.feed(stream)
        #expect(standby.rows.count == 3 + 22, "the streamed transaction, whole, once")
        standby.acknowledge(1...standby.lastDelivery)
        #expect(standby.machine.confirmable > LSN(1_200))
    }

    @Test("failover: a new slot on the promoted standby restarts confirmation at its own position, below the old slot's, and the sink's numbering goes on")
    func failover() throws {
        let harness = try MachineHarness(confirmed: LSN(4_000))
        try Self.publish(harness, xid: 1, end: 5_000, rows: 3)
        harness.acknowledge(1...harness.lastDelivery)
        #expect(harness.machine.statusUpdate(now: 0, force: true)?.flushed == LSN(5_000))

        // The promoted standby's WAL ends before 5000; capture drained the sink and made a slot there.
        harness.machine.slotCreated(at: LSN(4_500), lastDelivery: harness.lastDelivery)
        harness.connect()
        #expect(harness.machine.statusUpdate(now: 1, force: true)?.flushed == LSN(4_500), "never a position of the old primary")
        try Self.publish(harness, xid: 9, end: 4_600, rows: 2)
        #expect(harness.machine.confirmable == LSN(4_500))
        harness.acknowledge((harness.lastDelivery - 2)...harness.lastDelivery)
        #expect(harness.machine.confirmable == LSN(4_600), "the new slot's first transaction, once acknowledged")
    }
}

/// A seeded generator, so a failing order can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
