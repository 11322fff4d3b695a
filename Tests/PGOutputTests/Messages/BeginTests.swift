import PGOutput
import Testing

@Suite struct BeginTests {
    @Test func decodesHandBuiltBytes() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("B").lsn(0x16_B374_D848).int64(123_456_789).uint32(0x2DD).bytes
        #expect(try decoder.decode(bytes) == .begin(.init(finalLSN: LSN(0x16_B374_D848), commitTime: 123_456_789, xid: 0x2DD)))
    }

    @Test func fixtureBeginsMatchTheirCommits() throws {
        let messages = try Fixture("insert-v1").decoded()
        let begins = messages.compactMap(\.begin)
        let commits = messages.compactMap(\.commit)
        #expect(begins.count == 3)
        #expect(begins.count == commits.count)
        for (begin, commit) in zip(begins, commits) {
            // Begin announces the commit record's LSN and time up front.
            #expect(begin.finalLSN == commit.commitLSN)
            #expect(begin.commitTime == commit.commitTime)
        }
        #expect(begins.map(\.xid) == begins.map(\.xid).sorted())
        #expect(Set(begins.map(\.xid)).count == begins.count)
    }

    @Test func transactionsComeInCommitOrder() throws {
        let begins = try Fixture("update-v1").decoded().compactMap(\.begin)
        #expect(begins.count == 7)
        #expect(begins.map(\.finalLSN) == begins.map(\.finalLSN).sorted())
    }
}
