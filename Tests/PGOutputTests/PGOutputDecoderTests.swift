import PGOutput
import Testing

@Suite struct PGOutputDecoderTests {
    @Test(arguments: Fixture.all)
    func decodesEveryFixtureMessage(name: String) throws {
        let fixture = try Fixture(name)
        #expect(!fixture.messages.isEmpty)
        let messages = try fixture.decoded()
        #expect(messages.count == fixture.messages.count)
    }

    /// Every strict prefix of every real message fails with an error, never a crash, and
    /// leaves the decoder's stream state as it was.
    @Test(arguments: Fixture.all)
    func everyTruncationThrows(name: String) throws {
        var decoder = PGOutputDecoder()
        for message in try Fixture(name).messages {
            for length in 0..<message.count {
                var attempt = decoder
                do {
                    let decoded = try attempt.decode(message[..<length])
                    Issue.record("\(name): \(length) of \(message.count) bytes decoded as \(decoded)")
                } catch {
                    #expect(error.kind == .truncated || error.kind == .unterminatedString)
                    #expect(error.offset <= length)
                    #expect(attempt.isInStreamBlock == decoder.isInStreamBlock)
                }
            }
            _ = try decoder.decode(message)
        }
    }

    /// Corrupted real messages decode or throw, but never trap or read out of bounds.
    @Test func corruptedMessagesNeverCrash() throws {
        var generator = SplitMix64(seed: 0x4845_4C49_4F)
        var failures = 0
        for name in Fixture.all {
            for message in try Fixture(name).messages where message.count < 1_000 {
                for _ in 0..<40 {
                    var corrupted = message
                    for _ in 0...(generator.next() % 3) {
                        let index = Int(generator.next() % UInt64(corrupted.count))
                        corrupted[index] = UInt8(truncatingIfNeeded: generator.next())
                    }
                    var decoder = PGOutputDecoder()
                    if generator.next() % 2 == 0 { _ = try? decoder.decode([UInt8(ascii: "S"), 0, 0, 0, 1, 1]) }
                    do { _ = try decoder.decode(corrupted) } catch { failures += 1 }
                }
            }
        }
        #expect(failures > 0)
    }

    @Test func unknownTagThrows() {
        var decoder = PGOutputDecoder()
        #expect(throws: PGOutputError(.unknownTag(UInt8(ascii: "Z")), offset: 0)) { try decoder.decode([UInt8(ascii: "Z"), 1, 2]) }
        // Protocol 3's two-phase messages are not decoded.
        #expect(throws: PGOutputError(.unknownTag(UInt8(ascii: "P")), offset: 0)) { try decoder.decode([UInt8(ascii: "P")]) }
        #expect(throws: PGOutputError(.truncated, offset: 0)) { try decoder.decode([]) }
    }

    @Test func streamXIDIsReadOnlyInsideABlock() throws {
        var decoder = PGOutputDecoder()
        let insideBlock = Bytes("I").uint32(0x2F2).uint32(16_392).char("N").int16(1).char("n").bytes
        _ = try decoder.decode(Bytes("S").uint32(0x2F2).int8(1).bytes)
        #expect(try decoder.decode(insideBlock) == .insert(.init(xid: 0x2F2, relationID: 16_392, newTuple: TupleData(values: [.null]))))

        // The same bytes outside a block read the xid as the relation id and fail.
        decoder.reset()
        #expect(!decoder.isInStreamBlock)
        #expect(throws: PGOutputError.self) { try decoder.decode(insideBlock) }
    }

    @Test func failedStreamStartLeavesStateAlone() {
        var decoder = PGOutputDecoder()
        #expect(throws: PGOutputError(.truncated, offset: 5)) { try decoder.decode(Bytes("S").uint32(1).bytes) }
        #expect(!decoder.isInStreamBlock)
    }

    @Test func ignoresTrailingBytes() throws {
        // Room for fields a later protocol might append.
        var decoder = PGOutputDecoder()
        let bytes = Bytes("O").lsn(1).string("a").raw([9, 9]).bytes
        #expect(try decoder.decode(bytes) == .origin(.init(commitLSN: LSN(1), name: "a")))
    }

    @Test func decodesSlicesThatDoNotStartAtZero() throws {
        let message = try #require(try Fixture("insert-v2").messages.first)
        let padded = [0xEE, 0xEE, 0xEE] + message
        var decoder = PGOutputDecoder()
        #expect(try decoder.decode(padded[3...]) == decoder.decode(message))
    }
}

/// A small deterministic generator, so a failing corruption can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
