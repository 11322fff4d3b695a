extension PGOutputMessage {
    /// 'S': opens a block of changes of a transaction still in progress (protocol 2 with
    /// `streaming on`, once it outgrows `logical_decoding_work_mem`). The block ends with
    /// Stream Stop; the transaction ends later with Stream Commit or Stream Abort. Blocks of
    /// different transactions may interleave.
    public struct StreamStart: Sendable, Hashable {
        public var xid: UInt32
        /// True for the transaction's first block.
        public var isFirstSegment: Bool

        public init(xid: UInt32, isFirstSegment: Bool) {
            self.xid = xid
            self.isFirstSegment = isFirstSegment
        }
    }
}

extension PGOutputMessage.StreamStart {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        self.init(xid: try reader.readInteger(), isFirstSegment: try reader.readUInt8() == 1)
    }
}
