extension PGOutputMessage {
    /// 'Y': names a user-defined type (OID above the built-in range) used by a column of a
    /// following Relation, so the consumer can interpret its text values.
    public struct TypeDefinition: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        public var oid: UInt32
        /// Schema name; pgoutput sends an empty string for `pg_catalog`.
        public var namespace: String
        public var name: String

        public init(xid: UInt32? = nil, oid: UInt32, namespace: String, name: String) {
            self.xid = xid
            self.oid = oid
            self.namespace = namespace
            self.name = name
        }
    }
}

extension PGOutputMessage.TypeDefinition {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        self.init(
            xid: xid,
            oid: try reader.readInteger(),
            namespace: try reader.readCString(),
            name: try reader.readCString()
        )
    }
}
