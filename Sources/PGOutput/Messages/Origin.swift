extension PGOutputMessage {
    /// 'O': the transaction was replayed here from another node (it follows Begin). A
    /// replicator can use it to avoid sending changes back where they came from.
    public struct Origin: Sendable, Hashable {
        /// The commit LSN on the origin server.
        public var commitLSN: LSN
        public var name: String

        public init(commitLSN: LSN, name: String) {
            self.commitLSN = commitLSN
            self.name = name
        }
    }
}

extension PGOutputMessage.Origin {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        self.init(commitLSN: try reader.readLSN(), name: try reader.readCString())
    }
}
