import PGOutput
import Testing

@Suite struct StreamCommitTests {
    @Test func fixtureCommitsTheStreamedTransaction() throws {
        let messages = try Fixture("stream-v2").decoded()
        let xid = try #require(messages.first?.streamStart?.xid)
        let commit = try #require(messages.last?.streamCommit)
        #expect(commit.xid == xid)
        #expect(commit.flags == 0)
        #expect(commit.commitLSN < commit.endLSN)
        // Every change of the transaction was written before its commit record.
        let message = try #require(messages.compactMap(\.logicalMessage).first)
        #expect(message.lsn < commit.commitLSN)
    }

    @Test func lsnsFollowTheXID() throws {
        // Unlike Commit, the xid comes first: the LSNs sit at offsets 6 and 14.
        var decoder = PGOutputDecoder()
        let bytes = Bytes("c").uint32(0x2F2).int8(0).lsn(0x15_73CA0).lsn(0x15_73E10).int64(99).bytes
        #expect(try decoder.decode(bytes) == .streamCommit(.init(
            xid: 0x2F2, commitLSN: LSN(0x15_73CA0), endLSN: LSN(0x15_73E10), commitTime: 99
        )))
    }
}
