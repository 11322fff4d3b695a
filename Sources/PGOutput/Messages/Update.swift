extension PGOutputMessage {
    /// 'U': a changed row.
    public struct Update: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var relationID: UInt32
        /// `nil` when the replica identity is the default and the key did not change: the key
        /// is then found in `newTuple`.
        public var oldTuple: OldTuple?
        /// Columns whose TOASTed value did not change are `.unchangedToast`.
        public var newTuple: TupleData

        public init(xid: UInt32? = nil, relationID: UInt32, oldTuple: OldTuple?, newTuple: TupleData) {
            self.xid = xid
            self.relationID = relationID
            self.oldTuple = oldTuple
            self.newTuple = newTuple
        }
    }
}

extension PGOutputMessage.Update {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        let relationID = try reader.readInteger(as: UInt32.self)
        let oldTuple = try reader.readOldTupleIfPresent()
        try reader.expectNewTupleMarker()
        self.init(xid: xid, relationID: relationID, oldTuple: oldTuple, newTuple: try TupleData(reading: &reader))
    }
}
