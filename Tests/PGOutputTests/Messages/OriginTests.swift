import PGOutput
import Testing

@Suite struct OriginTests {
    @Test func fixtureOriginFollowsBegin() throws {
        let messages = try Fixture("origin-v1").decoded()
        try #require(messages.count == 5)
        let begin = try #require(messages[0].begin)
        #expect(messages[1] == .origin(.init(commitLSN: LSN("16/B374D848")!, name: "upstream-a")))
        // The transaction keeps the commit time given by pg_replication_origin_xact_setup.
        #expect(PostgresEpoch.unixMicros(postgresMicros: begin.commitTime) == 1_795_824_000_000_000)
        #expect(messages[3].insert?.newTuple.values == [.text("200"), .text("from upstream")])
    }

    @Test func decodesHandBuiltBytes() throws {
        var decoder = PGOutputDecoder()
        #expect(try decoder.decode(Bytes("O").lsn(7).string("").bytes) == .origin(.init(commitLSN: LSN(7), name: "")))
        #expect(throws: PGOutputError(.unterminatedString, offset: 9)) {
            try decoder.decode(Bytes("O").lsn(7).raw(Array("abc".utf8)).bytes)
        }
    }
}
