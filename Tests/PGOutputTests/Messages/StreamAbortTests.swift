import PGOutput
import Testing

@Suite struct StreamAbortTests {
    @Test func fixtureAbortsASubtransactionThenATransaction() throws {
        let messages = try Fixture("stream-abort-v2").decoded()
        let aborts = messages.compactMap(\.streamAbort)
        try #require(aborts.count == 2)

        // ROLLBACK TO SAVEPOINT: the rows streamed under the subtransaction's xid are void.
        let savepoint = aborts[0]
        #expect(!savepoint.abortsWholeTransaction)
        #expect(savepoint.abortLSN == nil && savepoint.abortTime == nil)
        let streamedXIDs = Set(messages.compactMap(\.insert).compactMap(\.xid))
        #expect(streamedXIDs.contains(savepoint.xid))
        #expect(streamedXIDs.contains(savepoint.subxid))
        let commit = try #require(messages.compactMap(\.streamCommit).first)
        #expect(commit.xid == savepoint.xid)

        // ROLLBACK of the whole second transaction.
        let rollback = aborts[1]
        #expect(rollback.abortsWholeTransaction)
        #expect(rollback.xid != savepoint.xid)
        #expect(messages.last == .streamAbort(rollback))
    }

    @Test func decodesTheProtocolFourForm() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("A").uint32(5).uint32(6).lsn(0x10).int64(20).bytes
        #expect(try decoder.decode(bytes) == .streamAbort(.init(xid: 5, subxid: 6, abortLSN: LSN(0x10), abortTime: 20)))
        #expect(throws: PGOutputError(.truncated, offset: 9)) { try decoder.decode(Array(bytes.prefix(12))) }
    }
}
