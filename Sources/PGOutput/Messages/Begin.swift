extension PGOutputMessage {
    /// 'B': a transaction starts. Sent lazily, before its first published change, so empty
    /// transactions produce nothing. Streamed transactions have no Begin.
    public struct Begin: Sendable, Hashable {
        /// LSN of the commit record, known up front because decoding waits for the commit.
        public var finalLSN: LSN
        /// Microseconds since 2000-01-01 UTC (see `PostgresEpoch`).
        public var commitTime: Int64
        public var xid: UInt32

        public init(finalLSN: LSN, commitTime: Int64, xid: UInt32) {
            self.finalLSN = finalLSN
            self.commitTime = commitTime
            self.xid = xid
        }
    }
}

extension PGOutputMessage.Begin {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        self.init(
            finalLSN: try reader.readLSN(),
            commitTime: try reader.readInteger(),
            xid: try reader.readInteger()
        )
    }
}
