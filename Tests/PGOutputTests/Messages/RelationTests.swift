import PGOutput
import Testing

@Suite struct RelationTests {
    typealias Column = PGOutputMessage.Relation.Column

    @Test func fixtureDescribesEnergy() throws {
        let energy = try #require(Fixture.relation("energy", in: try Fixture("insert-v1").decoded()))
        #expect(energy.xid == nil)
        #expect(energy.namespace == "public")
        #expect(energy.replicaIdentity == .default)
        #expect(energy.columns == [
            Column(isKey: true, name: "id", typeOID: 20, typeModifier: -1),
            Column(isKey: false, name: "device_id", typeOID: 20, typeModifier: -1),
            Column(isKey: false, name: "measured_at", typeOID: 1184, typeModifier: -1),
            // numeric(p, s) is ((p << 16) | s) + 4.
            Column(isKey: false, name: "energy_kwh", typeOID: 1700, typeModifier: (14 << 16 | 4) + 4),
            Column(isKey: false, name: "power_kw", typeOID: 1700, typeModifier: (12 << 16 | 4) + 4),
        ])
    }

    @Test func fullReplicaIdentityMarksEveryColumnAsKey() throws {
        let users = try #require(Fixture.relation("users", in: try Fixture("insert-v1").decoded()))
        #expect(users.replicaIdentity == .full)
        #expect(users.columns.map(\.name) == ["id", "email", "bio"])
        #expect(users.columns.allSatisfy { $0.isKey })
        #expect(users.columns.map(\.typeOID) == [23, 25, 25])
    }

    @Test func fixtureDescribesManyTypes() throws {
        let messages = try Fixture("insert-v1").decoded()
        let kinds = try #require(Fixture.relation("kinds", in: messages))
        let mood = try #require(messages.compactMap(\.typeDefinition).first)
        let types = Dictionary(uniqueKeysWithValues: kinds.columns.map { ($0.name, $0.typeOID) })
        #expect(types == [
            "id": 23, "flag": 16, "small": 21, "big": 20, "ratio": 701, "price": 1700, "label": 1043,
            "born": 1082, "at": 1114, "payload": 17, "doc": 3802, "tags": 1009, "uid": 2950,
            "feeling": mood.oid, "note": 25,
        ])
        // varchar(20): the length plus the 4-byte header.
        #expect(kinds.columns.first { $0.name == "label" }?.typeModifier == 24)
    }

    @Test func decodesHandBuiltBytesInAStreamBlock() throws {
        var decoder = PGOutputDecoder()
        _ = try decoder.decode(Bytes("S").uint32(9).int8(1).bytes)
        let bytes = Bytes("R").uint32(9).uint32(16_384).string("").string("t").char("i").int16(1)
            .int8(0xFF).string("k").uint32(23).int32(-1).bytes
        #expect(try decoder.decode(bytes) == .relation(.init(
            xid: 9, id: 16_384, namespace: "", name: "t", replicaIdentity: .index,
            columns: [Column(isKey: true, name: "k", typeOID: 23, typeModifier: -1)]
        )))
    }

    @Test func keepsAnUnknownReplicaIdentity() throws {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("R").uint32(1).string("s").string("t").char("x").int16(0).bytes
        #expect(try decoder.decode(bytes).relation?.replicaIdentity.rawValue == UInt8(ascii: "x"))
    }

    @Test func refusesColumnCountsTheMessageCannotHold() {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("R").uint32(1).string("s").string("t").char("d").int16(2).int8(0).string("a").uint32(23).int32(-1).bytes
        #expect(throws: PGOutputError(.truncated, offset: 12)) { try decoder.decode(bytes) }
        let negative = Bytes("R").uint32(1).string("s").string("t").char("d").int16(-1).bytes
        #expect(throws: PGOutputError(.invalidLength(-1), offset: 10)) { try decoder.decode(negative) }
    }
}
