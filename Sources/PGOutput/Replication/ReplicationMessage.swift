/// A CopyData payload the server sends during START_REPLICATION: WAL data or a keepalive.
public enum ReplicationMessage: Sendable, Hashable {
    /// 'w': one pgoutput message in `data`, a slice of the bytes given to the decoder.
    /// `walStart` is the LSN the message belongs to; `walEnd` the server's current end of WAL.
    case xLogData(walStart: LSN, walEnd: LSN, sendTime: Int64, data: ArraySlice<UInt8>)
    /// 'k': the server is alive. When `replyRequested` the client must answer with a
    /// Standby Status Update at once, or be disconnected after `wal_sender_timeout`.
    case primaryKeepalive(walEnd: LSN, sendTime: Int64, replyRequested: Bool)

    static let xLogDataTag = UInt8(ascii: "w")
    static let primaryKeepaliveTag = UInt8(ascii: "k")

    public init(decoding bytes: [UInt8]) throws(PGOutputError) {
        try self.init(decoding: bytes[...])
    }

    /// Decodes one CopyData payload. `data` shares the caller's storage: no bytes are copied.
    /// Times are microseconds since 2000-01-01 UTC (see `PostgresEpoch`).
    public init(decoding bytes: ArraySlice<UInt8>) throws(PGOutputError) {
        var reader = ByteReader(bytes)
        switch try reader.readUInt8() {
        case Self.xLogDataTag:
            self = .xLogData(
                walStart: try reader.readLSN(),
                walEnd: try reader.readLSN(),
                sendTime: try reader.readInteger(),
                data: reader.readRemaining()
            )
        case Self.primaryKeepaliveTag:
            self = .primaryKeepalive(
                walEnd: try reader.readLSN(),
                sendTime: try reader.readInteger(),
                replyRequested: try reader.readUInt8() != 0
            )
        case let tag:
            throw PGOutputError(.unknownTag(tag), offset: 0)
        }
    }
}
