extension PGOutputMessage {
    /// 'M': a message written with `pg_logical_emit_message` (only with `messages 'true'`).
    ///
    /// A transactional one arrives between Begin and Commit, and only if the transaction
    /// commits; a non-transactional one arrives at once, outside any transaction.
    public struct LogicalMessage: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var isTransactional: Bool
        public var lsn: LSN
        public var prefix: String
        public var content: [UInt8]

        public init(xid: UInt32? = nil, isTransactional: Bool, lsn: LSN, prefix: String, content: [UInt8]) {
            self.xid = xid
            self.isTransactional = isTransactional
            self.lsn = lsn
            self.prefix = prefix
            self.content = content
        }
    }
}

extension PGOutputMessage.LogicalMessage {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        let flags = try reader.readUInt8()
        let lsn = try reader.readLSN()
        let prefix = try reader.readCString()
        let length = try reader.readLength(as: Int32.self)
        self.init(
            xid: xid, isTransactional: flags & 1 != 0, lsn: lsn, prefix: prefix,
            content: Array(try reader.readSlice(count: length))
        )
    }
}
