import PGOutput
import Testing

@Suite struct InsertTests {
    @Test func fixtureRowsHaveTextValues() throws {
        let messages = try Fixture("insert-v1").decoded()
        let energy = try #require(Fixture.relation("energy", in: messages))
        let inserts = messages.compactMap(\.insert).filter { $0.relationID == energy.id }
        #expect(inserts.map(\.newTuple.values) == [
            [.text("1"), .text("42"), .text("2026-11-28 12:34:56.789+00"), .text("1234.5678"), .text("12.5000")],
            [.text("2"), .text("43"), .null, .null, .null],
        ])
        #expect(inserts.allSatisfy { $0.xid == nil })
    }

    @Test func fixtureTextIsUTF8() throws {
        let messages = try Fixture("insert-v1").decoded()
        let users = try #require(Fixture.relation("users", in: messages))
        let rows = messages.compactMap(\.insert).filter { $0.relationID == users.id }.map(\.newTuple.values)
        #expect(rows == [
            [.text("1"), .text("ada@example.com"), .text("short bio")],
            [.text("2"), .text("zoë@example.com"), .null],
        ])
    }

    @Test func fixtureKindsUseTextOutputFormats() throws {
        let messages = try Fixture("insert-v1").decoded()
        let kinds = try #require(Fixture.relation("kinds", in: messages))
        let row = try #require(messages.compactMap(\.insert).first { $0.relationID == kinds.id }).newTuple
        let values = Dictionary(uniqueKeysWithValues: zip(kinds.columns.map(\.name), row.values))
        #expect(values == [
            "id": .text("1"), "flag": .text("t"), "small": .text("-7"), "big": .text("9007199254740993"),
            "ratio": .text("3.5"), "price": .text("19.99"), "label": .text("héllo"), "born": .text("2000-01-01"),
            "at": .text("2026-11-28 01:02:03.456789"), "payload": .text("\\xdeadbeef"),
            "doc": .text("{\"a\": [1, 2]}"), "tags": .text("{x,\"y z\"}"),
            "uid": .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "feeling": .text("happy"), "note": .text(""),
        ])
    }

    @Test func protocolTwoWithoutStreamingLooksLikeOne() throws {
        let messages = try Fixture("insert-v2").decoded()
        #expect(messages.count == 4)
        #expect(messages[2].insert?.newTuple.values == [.text("300"), .text("small")])
        #expect(messages[2].insert?.xid == nil)
    }

    @Test func refusesAMissingNewTupleMarker() {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("I").uint32(1).char("K").int16(0).bytes
        #expect(throws: PGOutputError(.badTupleMarker(UInt8(ascii: "K")), offset: 5)) { try decoder.decode(bytes) }
    }
}
