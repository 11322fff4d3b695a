import PGOutput
import Testing

@Suite struct LogicalMessageTests {
    @Test func fixtureHasTransactionalAndNonTransactionalMessages() throws {
        let messages = try Fixture("message-v1").decoded()
        try #require(messages.count == 6)
        let begin = try #require(messages[0].begin)
        let commit = try #require(messages[4].commit)

        let inside = try #require(messages[3].logicalMessage)
        #expect(inside.isTransactional)
        #expect(inside.prefix == "helio")
        #expect(inside.content == Array("in a transaction".utf8))
        #expect(inside.xid == nil)
        #expect(inside.lsn <= begin.finalLSN)

        // A non-transactional message arrives on its own, outside Begin/Commit.
        let alone = try #require(messages[5].logicalMessage)
        #expect(!alone.isTransactional)
        #expect(alone.prefix == "helio.audit")
        #expect(alone.content == [0x00, 0xFF, 0x10])
        #expect(alone.lsn > commit.endLSN)
    }

    @Test func decodesHandBuiltBytes() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("M").int8(0).lsn(42).string("p").int32(0).bytes
        #expect(try decoder.decode(bytes) == .message(.init(isTransactional: false, lsn: LSN(42), prefix: "p", content: [])))
        let short = Bytes("M").int8(1).lsn(42).string("p").int32(4).raw([1, 2]).bytes
        #expect(throws: PGOutputError(.truncated, offset: 16)) { try decoder.decode(short) }
    }
}
