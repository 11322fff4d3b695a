import PGOutput
import Testing

@Suite struct CommitTests {
    @Test func decodesHandBuiltBytes() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("C").int8(0).lsn(0x1_0000_0010).lsn(0x1_0000_0040).int64(-5).bytes
        #expect(try decoder.decode(bytes) == .commit(.init(commitLSN: LSN(0x1_0000_0010), endLSN: LSN(0x1_0000_0040), commitTime: -5)))
    }

    @Test func fixtureCommitLSNsAreOrdered() throws {
        let commits = try Fixture("delete-v1").decoded().compactMap(\.commit)
        #expect(commits.count == 4)
        for commit in commits {
            #expect(commit.flags == 0)
            #expect(commit.commitLSN < commit.endLSN)
        }
        for (earlier, later) in zip(commits, commits.dropFirst()) {
            #expect(earlier.endLSN <= later.commitLSN)
            #expect(earlier.commitTime <= later.commitTime)
        }
    }

    @Test func truncatedCommitReportsWhere() {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("C").int8(0).lsn(1).raw([0, 0, 0]).bytes
        #expect(throws: PGOutputError(.truncated, offset: 10)) { try decoder.decode(bytes) }
    }
}
