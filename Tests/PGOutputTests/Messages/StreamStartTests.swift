import PGOutput
import Testing

@Suite struct StreamStartTests {
    @Test func fixtureBlocksCarryTheirXID() throws {
        let messages = try Fixture("stream-v2").decoded()
        let starts = messages.compactMap(\.streamStart)
        #expect(starts.count == 3)
        #expect(starts.map(\.isFirstSegment) == [true, false, false])
        let xid = try #require(starts.first?.xid)
        #expect(starts.allSatisfy { $0.xid == xid })

        // Every change inside a block carries the xid; there is no Begin or Commit.
        var inBlock = false
        var kinds: Set<String> = []
        for message in messages {
            switch message {
            case .streamStart: inBlock = true
            case .streamStop: inBlock = false
            case .begin, .commit: Issue.record("a streamed transaction has no Begin/Commit")
            default:
                if let carried = message.streamXID {
                    #expect(inBlock)
                    #expect(carried == xid)
                    kinds.insert(String(describing: message).prefix { $0 != "(" }.description)
                }
            }
        }
        #expect(kinds == ["relation", "insert", "update", "delete", "message", "truncate"])
    }

    @Test func streamedMessagesAreTheSameChanges() throws {
        let messages = try Fixture("stream-v2").decoded()
        let energy = try #require(Fixture.relation("energy", in: messages))
        let update = try #require(messages.compactMap(\.update).first)
        #expect(update.relationID == energy.id)
        #expect(update.newTuple.values[1] == .text("1"))
        #expect(update.newTuple.values[4] == .text("0.0000"))
        let message = try #require(messages.compactMap(\.logicalMessage).first)
        #expect(message.isTransactional && message.prefix == "helio" && message.content == Array("streamed".utf8))
        #expect(messages.compactMap(\.truncate).first?.relationIDs == [try #require(Fixture.relation("notes", in: messages)).id])
    }

    @Test func startAndStopToggleTheBlock() throws {
        var decoder = PGOutputDecoder()
        #expect(try decoder.decode(Bytes("S").uint32(0x2F2).int8(1).bytes) == .streamStart(.init(xid: 0x2F2, isFirstSegment: true)))
        #expect(decoder.isInStreamBlock)
        #expect(try decoder.decode(Bytes("E").bytes) == .streamStop)
        #expect(!decoder.isInStreamBlock)
        #expect(try decoder.decode(Bytes("S").uint32(1).int8(0).bytes).streamStart?.isFirstSegment == false)
    }
}
