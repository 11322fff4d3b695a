import PGOutput
import Testing

@Suite struct TypeDefinitionTests {
    @Test func fixtureNamesTheEnumBeforeItsRelation() throws {
        let messages = try Fixture("insert-v1").decoded()
        let typeIndex = try #require(messages.firstIndex { $0.typeDefinition != nil })
        let mood = try #require(messages[typeIndex].typeDefinition)
        #expect(mood.namespace == "public")
        #expect(mood.name == "mood")
        #expect(mood.xid == nil)
        #expect(mood.oid >= 16_384)
        #expect(messages[typeIndex + 1].relation?.name == "kinds")
    }

    @Test func decodesHandBuiltBytesInAStreamBlock() throws {
        var decoder = PGOutputDecoder()
        _ = try decoder.decode(Bytes("S").uint32(77).int8(0).bytes)
        let bytes = Bytes("Y").uint32(77).uint32(16_385).string("app").string("mood").bytes
        #expect(try decoder.decode(bytes) == .type(.init(xid: 77, oid: 16_385, namespace: "app", name: "mood")))
    }
}
