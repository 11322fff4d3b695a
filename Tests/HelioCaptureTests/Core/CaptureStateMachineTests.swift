import Foundation
@testable import HelioCapture
import PGOutput
import Testing

/// Transaction assembly and the spool, driven by pgoutput captured from PostgreSQL 15.
@Suite("CaptureStateMachine: transactions and the spool")
struct CaptureStateMachineTests {
    typealias Machine = CaptureStateMachine

    @Test("an ordinary transaction: begin, its relation and row in order, commit at the Commit's end position")
    func ordinaryTransaction() throws {
        let decoded = try WireFixture("insert-v2").decoded()
        guard case .begin(let begin) = decoded[0].message, case .relation(let relation) = decoded[1].message,
              case .commit(let commit) = decoded[3].message else {
            Issue.record("insert-v2 is Begin, Relation, Insert, Commit")
            return
        }
        var machine = Machine(confirmed: LSN(0))
        let actions = decoded.map { machine.receive($0.message, at: $0.lsn) }
        let transaction = Machine.Transaction(xid: begin.xid, commitLSN: begin.finalLSN, commitMicros: Machine.micros(begin.commitTime),
                                              beginLSN: decoded[0].lsn, origin: nil, streamed: false)
        #expect(actions == [
            .begin(transaction),
            .relation(relation),
            .change(decoded[2].message, at: decoded[2].lsn, transaction: transaction),
            .commit(transaction, endLSN: commit.endLSN, commitMicros: Machine.micros(commit.commitTime)),
        ])
        #expect(!machine.isInTransaction && machine.spooled.isEmpty)
    }

    @Test("an Origin message names the transaction's origin for its later changes and its commit")
    func origin() throws {
        let decoded = try WireFixture("origin-v1").decoded()
        guard case .origin(let origin) = decoded[1].message else {
            Issue.record("origin-v1's second message is an Origin")
            return
        }
        var machine = Machine(confirmed: LSN(0))
        let actions = decoded.map { machine.receive($0.message, at: $0.lsn) }
        guard case .change(_, _, let inChange?) = actions[3], case .commit(let committed?, _, _) = actions[4] else {
            Issue.record("expected a change and a commit, got \(actions)")
            return
        }
        #expect(inChange.origin == Machine.Origin(name: origin.name, lsn: origin.commitLSN.value))
        #expect(committed.origin == inChange.origin)
    }

    @Test("a row or message outside any transaction is handed on without one, for the session to judge")
    func outsideTransaction() {
        var machine = Machine(confirmed: LSN(0))
        let message = PGOutputMessage.message(.init(isTransactional: false, lsn: LSN(77), prefix: "app", content: [1]))
        #expect(machine.receive(message, at: LSN(77)) == .change(message, at: LSN(77), transaction: nil))
    }

    @Test("a streamed transaction: nothing reaches the sink while it streams; at Stream Commit its spool is replayed whole, in order, in transaction form")
    func streamedCommitted() throws {
        let fixture = try WireFixture("stream-v2")
        let decoded = try fixture.decoded()
        let commitIndex = try #require(decoded.firstIndex { if case .streamCommit = $0.message { true } else { false } })
        guard case .streamCommit(let commit) = decoded[commitIndex].message else { return }
        let harness = try MachineHarness()

        try harness.feed(fixture, through: commitIndex)
        #expect(harness.published.isEmpty, "an in-progress transaction publishes nothing")
        #expect(harness.machine.spooled == [commit.xid])
        #expect(FileManager.default.fileExists(atPath: harness.spool.path(commit.xid)))
        let inBlock = decoded.filter { $0.message.streamXID != nil }
        let spooled = harness.actions.compactMap { action -> LSN? in
            if case .spool(let xid, _, _, let lsn) = action, xid == commit.xid { lsn } else { nil }
        }
        #expect(spooled == inBlock.map(\.lsn), "every message of every block is spooled under the top-level xid")

        try harness.feed(fixture.messages[commitIndex].bytes, at: decoded[commitIndex].lsn)
        let rows = inBlock.filter { $0.message.isRowLevel }
        let expected: [MachineHarness.Published] = [.begin(xid: commit.xid, beginLSN: decoded[0].lsn)]
            + rows.map { .row($0.message.transactionForm, at: $0.lsn, xid: commit.xid) }
            + [.commit(xid: commit.xid, endLSN: commit.endLSN)]
        #expect(harness.published == expected)
        #expect(rows.count == 22, "the fixture's inserts, update, delete, truncate and message")
        let relations = harness.actions.filter { if case .relation = $0 { true } else { false } }
        #expect(relations.count == 2, "both spooled Relation messages take effect again at replay")
        guard case .replay(let replayed, let endLSN)? = harness.actions.first(where: { if case .replay = $0 { true } else { false } }) else {
            Issue.record("no replay action")
            return
        }
        #expect(replayed == Machine.Transaction(xid: commit.xid, commitLSN: commit.commitLSN, commitMicros: Machine.micros(commit.commitTime),
                                                beginLSN: decoded[0].lsn, origin: nil, streamed: true))
        #expect(endLSN == commit.endLSN)
        #expect(harness.machine.spooled.isEmpty && !harness.machine.isInTransaction)
        #expect(!FileManager.default.fileExists(atPath: harness.spool.path(commit.xid)), "the spool file is gone after replay")
    }

    @Test("a spooled message replays with a fresh decoder: no Stream Start is fabricated")
    func spoolKeepsTransactionForm() throws {
        let fixture = try WireFixture("stream-v2")
        let decoded = try fixture.decoded()
        let harness = try MachineHarness()
        for (message, raw) in zip(decoded, fixture.messages) where message.message.streamXID != nil {
            try harness.spool.append(xid: 1, subxid: 1, walStart: raw.lsn, streamedMessage: raw.bytes[...])
        }
        var back: [PGOutputMessage] = []
        try harness.spool.replay(xid: 1) { _, record in
            guard case .message(let bytes) = record else { return }
            var fresh = PGOutputDecoder()
            back.append(try fresh.decode(bytes))
            #expect(!fresh.isInStreamBlock)
        }
        #expect(back == decoded.filter { $0.message.streamXID != nil }.map(\.message.transactionForm))
    }

    @Test("Stream Abort: a rolled-back subtransaction's changes are skipped at commit; an aborted transaction is discarded and publishes nothing")
    func streamedAborted() throws {
        let fixture = try WireFixture("stream-abort-v2")
        let decoded = try fixture.decoded()
        let aborts = decoded.compactMap { if case .streamAbort(let abort) = $0.message { abort } else { nil } }
        let commit = try #require(decoded.compactMap { if case .streamCommit(let commit) = $0.message { commit } else { nil } }.first)
        try #require(aborts.count == 2 && !aborts[0].abortsWholeTransaction && aborts[1].abortsWholeTransaction)
        let (subtransaction, aborted) = (aborts[0].subxid, aborts[1].xid)
        let harness = try MachineHarness()

        try harness.feed(fixture, through: fixture.messages.count - 1) // all but the last Stream Abort
        // Kafka has the committed transaction, but the aborted one still waits in the spool.
        let idle = LSN(commit.endLSN.value + 0x100)
        harness.acknowledge(1...harness.lastDelivery)
        harness.machine.keepalive(walEnd: idle)
        #expect(harness.machine.confirmable == commit.endLSN, "not past a transaction waiting in the spool")
        try harness.feed(fixture.messages.last!.bytes, at: fixture.messages.last!.lsn)

        let kept = decoded.filter { $0.message.isRowLevel && $0.message.streamXID != nil && $0.message.streamXID! != subtransaction
            && $0.message.streamXID! != aborted }
        #expect(kept.count >= 13, "the committed transaction's own rows and its surviving subtransaction's")
        let expected: [MachineHarness.Published] = [.begin(xid: commit.xid, beginLSN: decoded[0].lsn)]
            + kept.map { .row($0.message.transactionForm, at: $0.lsn, xid: commit.xid) }
            + [.commit(xid: commit.xid, endLSN: commit.endLSN)]
        #expect(harness.published == expected)
        #expect(harness.actions.contains(.discardSubtransaction(xid: commit.xid, subxid: subtransaction)))
        #expect(harness.actions.last == .discard(xid: aborted))
        #expect(harness.machine.spooled.isEmpty && harness.spool.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.spool.path(aborted)))
        // Nothing is left waiting: the server's position is confirmable now.
        harness.machine.keepalive(walEnd: idle)
        #expect(harness.machine.confirmable == idle)
    }

    @Test("a new connection deletes what was spooled of a half-streamed transaction: streamed again from its first block, it is published once")
    func reconnectRestreams() throws {
        let fixture = try WireFixture("stream-v2")
        let decoded = try fixture.decoded()
        let commitIndex = try #require(decoded.firstIndex { if case .streamCommit = $0.message { true } else { false } })
        let harness = try MachineHarness()
        try harness.feed(fixture, through: 12) // the first block and part of the second: the connection breaks
        #expect(!harness.machine.spooled.isEmpty)
        harness.connect()
        #expect(harness.machine.spooled.isEmpty && harness.spool.isEmpty)
        try harness.feed(fixture) // the server streams it again, from the first block
        let rows = decoded[..<commitIndex].filter { $0.message.isRowLevel && $0.message.streamXID != nil }
        #expect(harness.rows == rows.map(\.message.transactionForm), "each row once, in order")
    }
}
