extension PGOutputMessage {
    /// 'C': the transaction opened by the last Begin committed.
    public struct Commit: Sendable, Hashable {
        /// Unused by PostgreSQL so far; kept so a future meaning is not lost.
        public var flags: UInt8
        /// LSN of the commit record (equal to Begin's `finalLSN`).
        public var commitLSN: LSN
        /// LSN just past the commit record: the position to confirm once the transaction is
        /// durably applied.
        public var endLSN: LSN
        /// Microseconds since 2000-01-01 UTC (see `PostgresEpoch`).
        public var commitTime: Int64

        public init(flags: UInt8 = 0, commitLSN: LSN, endLSN: LSN, commitTime: Int64) {
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTime = commitTime
        }
    }
}

extension PGOutputMessage.Commit {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        self.init(
            flags: try reader.readUInt8(),
            commitLSN: try reader.readLSN(),
            endLSN: try reader.readLSN(),
            commitTime: try reader.readInteger()
        )
    }
}
