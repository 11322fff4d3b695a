import PGOutput
import Testing

@Suite struct UpdateTests {
    @Test func plainUpdateCarriesOnlyTheNewRow() throws {
        let messages = try Fixture("update-v1").decoded()
        let energy = try #require(Fixture.relation("energy", in: messages))
        let updates = messages.compactMap(\.update).filter { $0.relationID == energy.id }
        try #require(updates.count == 6)
        let plain = updates.prefix(3)
        #expect(plain.allSatisfy { $0.oldTuple == nil })
        #expect(plain.map { $0.newTuple.values[4] } == [.text("2.2500"), .text("2.2500"), .text("2.2500")])
    }

    @Test func keyChangeCarriesTheOldKey() throws {
        let messages = try Fixture("update-v1").decoded()
        let energy = try #require(Fixture.relation("energy", in: messages))
        let updates = messages.compactMap(\.update).filter { $0.relationID == energy.id }.suffix(3)
        try #require(updates.count == 3)
        for update in updates {
            guard case .key(let key) = update.oldTuple else {
                Issue.record("expected a 'K' tuple, got \(String(describing: update.oldTuple))")
                continue
            }
            // Only the key column has a value; the rest are sent as nulls.
            #expect(key.values.dropFirst().allSatisfy { $0 == .null })
            let oldID = try #require(key.values[0].text.flatMap { Int($0) })
            let newID = try #require(update.newTuple.values[0].text.flatMap { Int($0) })
            #expect(newID > oldID)
        }
    }

    @Test func fullIdentityCarriesTheOldRowAndUnchangedToast() throws {
        let messages = try Fixture("update-v1").decoded()
        let users = try #require(Fixture.relation("users", in: messages))
        let update = try #require(messages.compactMap(\.update).first { $0.relationID == users.id })
        guard case .full(let old) = update.oldTuple else {
            Issue.record("expected an 'O' tuple")
            return
        }
        #expect(old.values[0] == .text("10"))
        #expect(old.values[1] == .text("grace@example.com"))
        // The old row has the TOASTed bio in full (100 md5 hashes)...
        #expect(old.values[2].text?.utf8.count == 3200)
        // ...the new row only says that it did not change.
        #expect(update.newTuple.values == [.text("10"), .text("grace.hopper@example.com"), .unchangedToast])
    }

    @Test func keyChangeWithUnchangedToast() throws {
        let messages = try Fixture("update-v1").decoded()
        let notes = try #require(Fixture.relation("notes", in: messages))
        let update = try #require(messages.compactMap(\.update).first { $0.relationID == notes.id })
        #expect(update.oldTuple == .key(TupleData(values: [.text("1"), .null])))
        #expect(update.newTuple.values == [.text("2"), .unchangedToast])
    }

    @Test func decodesHandBuiltBytes() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("U").uint32(5).char("O").int16(1).text("a").char("N").int16(1).text("b").bytes
        #expect(try decoder.decode(bytes) == .update(.init(
            relationID: 5, oldTuple: .full(TupleData(values: [.text("a")])), newTuple: TupleData(values: [.text("b")])
        )))
    }

    @Test func refusesBadMarkers() {
        var decoder = PGOutputDecoder()
        let unknown = Bytes("U").uint32(5).char("X").int16(0).bytes
        #expect(throws: PGOutputError(.badTupleMarker(UInt8(ascii: "X")), offset: 5)) { try decoder.decode(unknown) }
        // An old tuple must be followed by the new one.
        let twoOld = Bytes("U").uint32(5).char("K").int16(0).char("O").int16(0).bytes
        #expect(throws: PGOutputError(.badTupleMarker(UInt8(ascii: "O")), offset: 8)) { try decoder.decode(twoOld) }
        let noTuple = Bytes("U").uint32(5).bytes
        #expect(throws: PGOutputError(.truncated, offset: 5)) { try decoder.decode(noTuple) }
    }
}
