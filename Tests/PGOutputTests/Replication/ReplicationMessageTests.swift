import PGOutput
import Testing

@Suite struct ReplicationMessageTests {
    @Test func decodesXLogDataWithoutCopyingThePayload() throws {
        let payload = try #require(try Fixture("insert-v1").messages.first)
        let bytes = Bytes("w").lsn(0x1_5445_48).lsn(0x1_5445_78).int64(1_000).raw(payload).bytes
        let message = try ReplicationMessage(decoding: bytes)
        guard case .xLogData(let walStart, let walEnd, let sendTime, let data) = message else {
            Issue.record("expected XLogData, got \(message)")
            return
        }
        #expect(walStart == LSN(0x1_5445_48))
        #expect(walEnd == LSN(0x1_5445_78))
        #expect(sendTime == 1_000)
        #expect(data.startIndex == 25)
        #expect(Array(data) == payload)
        var decoder = PGOutputDecoder()
        #expect(try decoder.decode(data).begin != nil)
    }

    @Test func decodesKeepalive() throws {
        let bytes = Bytes("k").lsn(0x16_B374_D848).int64(-1).int8(1).bytes
        #expect(try ReplicationMessage(decoding: bytes) == .primaryKeepalive(walEnd: LSN(0x16_B374_D848), sendTime: -1, replyRequested: true))
        let quiet = Bytes("k").lsn(1).int64(2).int8(0).bytes
        #expect(try ReplicationMessage(decoding: quiet) == .primaryKeepalive(walEnd: LSN(1), sendTime: 2, replyRequested: false))
    }

    @Test func emptyXLogDataIsAllowed() throws {
        let bytes = Bytes("w").lsn(1).lsn(2).int64(3).bytes
        #expect(try ReplicationMessage(decoding: bytes) == .xLogData(walStart: LSN(1), walEnd: LSN(2), sendTime: 3, data: []))
    }

    @Test func refusesUnknownAndTruncatedMessages() {
        #expect(throws: PGOutputError(.unknownTag(UInt8(ascii: "r")), offset: 0)) { try ReplicationMessage(decoding: [UInt8(ascii: "r")]) }
        let keepalive = Bytes("k").lsn(1).int64(2).int8(0).bytes
        for length in 0..<keepalive.count {
            #expect(throws: PGOutputError.self) { try ReplicationMessage(decoding: keepalive[..<length]) }
        }
        let header = Bytes("w").lsn(1).lsn(2).int64(3).bytes
        for length in 0..<header.count {
            #expect(throws: PGOutputError.self) { try ReplicationMessage(decoding: header[..<length]) }
        }
    }
}
