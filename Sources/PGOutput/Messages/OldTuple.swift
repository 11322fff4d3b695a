extension PGOutputMessage {
    /// The old values an Update or Delete carries, depending on the replica identity.
    public enum OldTuple: Sendable, Hashable {
        /// 'K': only the replica identity columns have values (the others are 'n'); sent by
        /// Update only when the key changed.
        case key(TupleData)
        /// 'O': the whole old row (REPLICA IDENTITY FULL).
        case full(TupleData)

        public var tuple: TupleData {
            switch self {
            case .key(let tuple), .full(let tuple): tuple
            }
        }
    }
}

enum TupleMarker {
    static let key = UInt8(ascii: "K")
    static let old = UInt8(ascii: "O")
    static let new = UInt8(ascii: "N")
}

extension ByteReader {
    mutating func expectNewTupleMarker() throws(PGOutputError) {
        let start = index
        let marker = try readUInt8()
        guard marker == TupleMarker.new else { throw error(.badTupleMarker(marker), at: start) }
    }

    /// Reads a 'K' or 'O' tuple if one is next; leaves the reader untouched otherwise.
    mutating func readOldTupleIfPresent() throws(PGOutputError) -> PGOutputMessage.OldTuple? {
        guard remaining > 0 else { throw error(.truncated) }
        switch bytes[index] {
        case TupleMarker.key:
            _ = try readUInt8()
            return .key(try TupleData(reading: &self))
        case TupleMarker.old:
            _ = try readUInt8()
            return .full(try TupleData(reading: &self))
        default:
            return nil
        }
    }
}
