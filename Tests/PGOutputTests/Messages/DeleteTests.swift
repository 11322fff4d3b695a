import PGOutput
import Testing

@Suite struct DeleteTests {
    @Test func defaultIdentityCarriesTheKey() throws {
        let messages = try Fixture("delete-v1").decoded()
        let energy = try #require(Fixture.relation("energy", in: messages))
        let deletes = messages.compactMap(\.delete).filter { $0.relationID == energy.id }
        #expect(deletes.map(\.oldTuple) == ["4", "5", "6", "7"].map {
            .key(TupleData(values: [.text($0), .null, .null, .null, .null]))
        })
    }

    @Test func fullIdentityCarriesTheOldRow() throws {
        let messages = try Fixture("delete-v1").decoded()
        let users = try #require(Fixture.relation("users", in: messages))
        let delete = try #require(messages.compactMap(\.delete).first { $0.relationID == users.id })
        #expect(delete.oldTuple == .full(TupleData(values: [.text("20"), .text("del@example.com"), .text("gone")])))
        #expect(delete.oldTuple.tuple.values.count == users.columns.count)
    }

    @Test func refusesANewTuple() {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("D").uint32(5).char("N").int16(0).bytes
        #expect(throws: PGOutputError(.badTupleMarker(UInt8(ascii: "N")), offset: 5)) { try decoder.decode(bytes) }
    }
}
