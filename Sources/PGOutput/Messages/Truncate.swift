extension PGOutputMessage {
    /// 'T': one TRUNCATE statement, naming every published table it emptied.
    public struct Truncate: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var options: Options
        public var relationIDs: [UInt32]

        public init(xid: UInt32? = nil, options: Options, relationIDs: [UInt32]) {
            self.xid = xid
            self.options = options
            self.relationIDs = relationIDs
        }

        public struct Options: OptionSet, Sendable, Hashable {
            public var rawValue: UInt8

            public init(rawValue: UInt8) {
                self.rawValue = rawValue
            }

            public static let cascade = Options(rawValue: 1)
            public static let restartIdentity = Options(rawValue: 2)
        }
    }
}

extension PGOutputMessage.Truncate {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        // Sent as Int32 but never negative; read as signed to refuse garbage counts.
        let count = try reader.readLength(as: Int32.self)
        let options = Options(rawValue: try reader.readUInt8())
        guard count <= reader.remaining / 4 else { throw reader.error(.truncated) }
        var relationIDs: [UInt32] = []
        relationIDs.reserveCapacity(count)
        for _ in 0..<count {
            relationIDs.append(try reader.readInteger())
        }
        self.init(xid: xid, options: options, relationIDs: relationIDs)
    }
}
