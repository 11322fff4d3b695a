extension PGOutputMessage {
    /// 'A': discard what was streamed for `subxid`. When `subxid == xid` the whole
    /// transaction aborted; otherwise only that subtransaction (ROLLBACK TO SAVEPOINT) did.
    public struct StreamAbort: Sendable, Hashable {
        public var xid: UInt32
        public var subxid: UInt32
        /// Sent only by protocol 4 with parallel streaming (PostgreSQL 16+); `nil` before.
        public var abortLSN: LSN?
        /// Microseconds since 2000-01-01 UTC; present with `abortLSN`.
        public var abortTime: Int64?

        public var abortsWholeTransaction: Bool { xid == subxid }

        public init(xid: UInt32, subxid: UInt32, abortLSN: LSN? = nil, abortTime: Int64? = nil) {
            self.xid = xid
            self.subxid = subxid
            self.abortLSN = abortLSN
            self.abortTime = abortTime
        }
    }
}

extension PGOutputMessage.StreamAbort {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        let xid = try reader.readInteger(as: UInt32.self)
        let subxid = try reader.readInteger(as: UInt32.self)
        // The message has no version marker: the longer form is recognised by its length.
        guard reader.remaining > 0 else {
            self.init(xid: xid, subxid: subxid)
            return
        }
        self.init(xid: xid, subxid: subxid, abortLSN: try reader.readLSN(), abortTime: try reader.readInteger())
    }
}
