extension PGOutputMessage {
    /// 'c': a streamed transaction committed; everything streamed for `xid` and its
    /// subtransactions (less any Stream Abort of a subtransaction) now takes effect.
    public struct StreamCommit: Sendable, Hashable {
        public var xid: UInt32
        /// Unused by PostgreSQL so far.
        public var flags: UInt8
        public var commitLSN: LSN
        /// The position to confirm once the transaction is durably applied.
        public var endLSN: LSN
        /// Microseconds since 2000-01-01 UTC (see `PostgresEpoch`).
        public var commitTime: Int64

        public init(xid: UInt32, flags: UInt8 = 0, commitLSN: LSN, endLSN: LSN, commitTime: Int64) {
            self.xid = xid
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTime = commitTime
        }
    }
}

extension PGOutputMessage.StreamCommit {
    // Unlike Commit, the xid comes first, so the LSNs sit four bytes further in.
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        self.init(
            xid: try reader.readInteger(),
            flags: try reader.readUInt8(),
            commitLSN: try reader.readLSN(),
            endLSN: try reader.readLSN(),
            commitTime: try reader.readInteger()
        )
    }
}
