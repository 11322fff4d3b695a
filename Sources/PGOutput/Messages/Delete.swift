extension PGOutputMessage {
    /// 'D': a removed row, identified by its key ('K') or its whole old row ('O').
    public struct Delete: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var relationID: UInt32
        public var oldTuple: OldTuple

        public init(xid: UInt32? = nil, relationID: UInt32, oldTuple: OldTuple) {
            self.xid = xid
            self.relationID = relationID
            self.oldTuple = oldTuple
        }
    }
}

extension PGOutputMessage.Delete {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        let relationID = try reader.readInteger(as: UInt32.self)
        let markerOffset = reader.index
        guard let oldTuple = try reader.readOldTupleIfPresent() else {
            throw reader.error(.badTupleMarker(reader.bytes[markerOffset]), at: markerOffset)
        }
        self.init(xid: xid, relationID: relationID, oldTuple: oldTuple)
    }
}
