/// 'r': the client's progress report, sent as CopyData on the replication connection.
///
/// The server may recycle WAL up to `flushed` (for a logical slot, it becomes the slot's
/// confirmed_flush_lsn), so only report positions whose changes are durably delivered.
public struct StandbyStatusUpdate: Sendable, Hashable {
    /// Bytes in an encoded update: tag, three LSNs, a time and a flag.
    public static let encodedSize = 34

    public var written: LSN
    public var flushed: LSN
    public var applied: LSN
    /// The client's clock, microseconds since 2000-01-01 UTC (see `PostgresEpoch`).
    public var clientTime: Int64
    /// Asks the server to answer at once with a keepalive, e.g. to measure lag.
    public var replyRequested: Bool

    public init(written: LSN, flushed: LSN, applied: LSN, clientTime: Int64, replyRequested: Bool = false) {
        self.written = written
        self.flushed = flushed
        self.applied = applied
        self.clientTime = clientTime
        self.replyRequested = replyRequested
    }

    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.encodedSize)
        encode(into: &bytes)
        return bytes
    }

    /// Appends the update to `buffer`, for callers that reuse one send buffer.
    public func encode(into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "r"))
        Self.append(written.value, to: &buffer)
        Self.append(flushed.value, to: &buffer)
        Self.append(applied.value, to: &buffer)
        Self.append(UInt64(bitPattern: clientTime), to: &buffer)
        buffer.append(replyRequested ? 1 : 0)
    }

    private static func append(_ value: UInt64, to buffer: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
