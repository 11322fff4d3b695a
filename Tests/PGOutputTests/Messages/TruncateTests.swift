import PGOutput
import Testing

@Suite struct TruncateTests {
    @Test func fixtureTruncatesWithOptions() throws {
        let messages = try Fixture("truncate-v1").decoded()
        let ids = Dictionary(uniqueKeysWithValues: messages.compactMap(\.relation).map { ($0.name, $0.id) })
        let truncates = messages.compactMap(\.truncate)
        #expect(truncates == [
            .init(options: [], relationIDs: [try #require(ids["energy"])]),
            .init(options: [.cascade, .restartIdentity], relationIDs: [try #require(ids["users"]), try #require(ids["kinds"])]),
        ])
    }

    @Test func refusesCountsTheMessageCannotHold() {
        var decoder = PGOutputDecoder()
        let bytes = Bytes("T").int32(3).int8(0).uint32(1).uint32(2).bytes
        #expect(throws: PGOutputError(.truncated, offset: 6)) { try decoder.decode(bytes) }
        let negative = Bytes("T").int32(-1).int8(0).bytes
        #expect(throws: PGOutputError(.invalidLength(-1), offset: 1)) { try decoder.decode(negative) }
    }
}
