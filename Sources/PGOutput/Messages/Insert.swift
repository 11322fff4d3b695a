extension PGOutputMessage {
    /// 'I': a new row.
    public struct Insert: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var relationID: UInt32
        public var newTuple: TupleData

        public init(xid: UInt32? = nil, relationID: UInt32, newTuple: TupleData) {
            self.xid = xid
            self.relationID = relationID
            self.newTuple = newTuple
        }
    }
}

extension PGOutputMessage.Insert {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        let relationID = try reader.readInteger(as: UInt32.self)
        try reader.expectNewTupleMarker()
        self.init(xid: xid, relationID: relationID, newTuple: try TupleData(reading: &reader))
    }
}
