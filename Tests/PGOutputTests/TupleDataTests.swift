import PGOutput
import Testing

@Suite struct TupleDataTests {
    private func tuple(_ columns: Bytes) -> Bytes {
        // Drop the builder's tag byte: only the tuple body is wanted here.
        Bytes("I").uint32(1).char("N").raw(Array(columns.bytes.dropFirst()))
    }

    @Test func decodesEveryColumnKind() throws {
        var decoder = PGOutputDecoder()
        let bytes = tuple(Bytes("_").int16(5)
            .char("n").char("u").text("zoë").char("b").int32(3).raw([0, 1, 0xFF]).text("")).bytes
        let insert = try #require(try decoder.decode(bytes).insert)
        #expect(insert.newTuple.values == [.null, .unchangedToast, .text("zoë"), .binary([0, 1, 0xFF]), .text("")])
    }

    @Test func refusesAnUnknownColumnKind() {
        var decoder = PGOutputDecoder()
        let bytes = tuple(Bytes("_").int16(2).char("n").char("x")).bytes
        #expect(throws: PGOutputError(.badTupleKind(UInt8(ascii: "x")), offset: 9)) { try decoder.decode(bytes) }
    }

    @Test func refusesInvalidUTF8Text() {
        var decoder = PGOutputDecoder()
        let bytes = tuple(Bytes("_").int16(1).char("t").int32(2).raw([0xC3, 0x28])).bytes
        #expect(throws: PGOutputError(.invalidUTF8, offset: 13)) { try decoder.decode(bytes) }
    }

    @Test func refusesNegativeAndOversizedLengths() {
        var decoder = PGOutputDecoder()
        let negative = tuple(Bytes("_").int16(1).char("t").int32(-1)).bytes
        #expect(throws: PGOutputError(.invalidLength(-1), offset: 9)) { try decoder.decode(negative) }
        let oversized = tuple(Bytes("_").int16(1).char("b").int32(Int32.max).raw([1, 2])).bytes
        #expect(throws: PGOutputError(.truncated, offset: 13)) { try decoder.decode(oversized) }
        let negativeCount = tuple(Bytes("_").int16(-3)).bytes
        #expect(throws: PGOutputError(.invalidLength(-3), offset: 6)) { try decoder.decode(negativeCount) }
        // More columns claimed than bytes left: refused before allocating for them.
        let hugeCount = tuple(Bytes("_").int16(Int16.max).char("n")).bytes
        #expect(throws: PGOutputError(.truncated, offset: 8)) { try decoder.decode(hugeCount) }
    }

    @Test func binaryFormatFixtureCarriesSendFormat() throws {
        let messages = try Fixture("binary-v1").decoded()
        let kinds = try #require(Fixture.relation("kinds", in: messages))
        let row = try #require(messages.compactMap(\.insert).first).newTuple.values
        func column(_ name: String) -> TupleValue? {
            kinds.columns.firstIndex { $0.name == name }.map { row[$0] }
        }
        #expect(column("flag") == .binary([1]))
        #expect(column("small") == .binary([0xFF, 0xF9]))
        #expect(column("big") == .binary([0x00, 0x20, 0, 0, 0, 0, 0, 0x01]))
        #expect(column("ratio") == .binary([0x40, 0x0C, 0, 0, 0, 0, 0, 0]))
        #expect(column("label") == .binary(Array("bin".utf8)))
        #expect(column("payload") == .binary([0x00, 0x01, 0xFF]))
        #expect(column("feeling") == .binary(Array("ok".utf8)))
        #expect(column("note") == .null)
        #expect(column("price") == .null)
    }
}
