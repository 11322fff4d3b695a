import PGOutput
import Testing

@Suite struct StandbyStatusUpdateTests {
    @Test func encodesExactBytes() {
        let update = StandbyStatusUpdate(
            written: LSN("16/B374D848")!, flushed: LSN("16/B374D800")!, applied: LSN("0/1")!,
            clientTime: 0x0003_045E_2E6C_DC31, replyRequested: true
        )
        let expected: [UInt8] = [UInt8(ascii: "r")]
            + [0x00, 0x00, 0x00, 0x16, 0xB3, 0x74, 0xD8, 0x48]
            + [0x00, 0x00, 0x00, 0x16, 0xB3, 0x74, 0xD8, 0x00]
            + [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
            + [0x00, 0x03, 0x04, 0x5E, 0x2E, 0x6C, 0xDC, 0x31]
            + [0x01]
        #expect(update.encode() == expected)
        #expect(update.encode().count == StandbyStatusUpdate.encodedSize)
    }

    @Test func encodesNegativeTimesAndNoReply() {
        let update = StandbyStatusUpdate(written: .invalid, flushed: .invalid, applied: .invalid, clientTime: -1)
        #expect(update.encode() == [UInt8(ascii: "r")] + Array(repeating: 0, count: 24) + Array(repeating: 0xFF, count: 8) + [0])
    }

    @Test func appendsToAnExistingBuffer() {
        var buffer: [UInt8] = [0xAA]
        StandbyStatusUpdate(written: LSN(1), flushed: LSN(1), applied: LSN(1), clientTime: 0).encode(into: &buffer)
        #expect(buffer.count == 1 + StandbyStatusUpdate.encodedSize)
        #expect(buffer[0] == 0xAA && buffer[1] == UInt8(ascii: "r"))
    }
}
