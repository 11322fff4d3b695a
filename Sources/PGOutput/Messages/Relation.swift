extension PGOutputMessage {
    /// 'R': the shape of a table, sent before its first change on a connection and again
    /// after its definition changes. Row messages refer to it only by `id`.
    public struct Relation: Sendable, Hashable {
        /// Set inside a stream block.
        public var xid: UInt32?
        /// The table's OID.
        public var id: UInt32
        /// Schema name; pgoutput sends an empty string for `pg_catalog`.
        public var namespace: String
        public var name: String
        public var replicaIdentity: ReplicaIdentity
        public var columns: [Column]

        public init(
            xid: UInt32? = nil, id: UInt32, namespace: String, name: String,
            replicaIdentity: ReplicaIdentity, columns: [Column]
        ) {
            self.xid = xid
            self.id = id
            self.namespace = namespace
            self.name = name
            self.replicaIdentity = replicaIdentity
            self.columns = columns
        }

        public struct Column: Sendable, Hashable {
            /// Part of the replica identity (flags bit 1): present in 'K' old-key tuples.
            public var isKey: Bool
            public var name: String
            public var typeOID: UInt32
            /// atttypmod: -1 when the type has none; numeric(14,4) is ((14 << 16) | 4) + 4.
            public var typeModifier: Int32

            public init(isKey: Bool, name: String, typeOID: UInt32, typeModifier: Int32) {
                self.isKey = isKey
                self.name = name
                self.typeOID = typeOID
                self.typeModifier = typeModifier
            }
        }
    }

    /// `relreplident`: which old values Update and Delete carry.
    ///
    /// A struct rather than an enum so that a setting added by a later server decodes
    /// instead of failing the whole stream.
    public struct ReplicaIdentity: RawRepresentable, Sendable, Hashable {
        public var rawValue: UInt8

        public init(rawValue: UInt8) {
            self.rawValue = rawValue
        }

        /// 'd': the primary key, sent as a 'K' tuple when it changes or on delete.
        public static let `default` = ReplicaIdentity(rawValue: UInt8(ascii: "d"))
        /// 'n': nothing; updates and deletes are not published with a key.
        public static let nothing = ReplicaIdentity(rawValue: UInt8(ascii: "n"))
        /// 'f': every column, sent as an 'O' tuple.
        public static let full = ReplicaIdentity(rawValue: UInt8(ascii: "f"))
        /// 'i': the columns of a chosen unique index, sent as a 'K' tuple.
        public static let index = ReplicaIdentity(rawValue: UInt8(ascii: "i"))
    }
}

extension PGOutputMessage.Relation {
    init(reading reader: inout ByteReader, xid: UInt32?) throws(PGOutputError) {
        let id = try reader.readInteger(as: UInt32.self)
        let namespace = try reader.readCString()
        let name = try reader.readCString()
        let replicaIdentity = PGOutputMessage.ReplicaIdentity(rawValue: try reader.readUInt8())
        let count = try reader.readLength(as: Int16.self)
        // A column takes at least 10 bytes; refuse counts the message cannot hold before
        // reserving memory for them.
        guard count * 10 <= reader.remaining else { throw reader.error(.truncated) }
        var columns: [Column] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            let flags = try reader.readUInt8()
            columns.append(Column(
                isKey: flags & 1 != 0,
                name: try reader.readCString(),
                typeOID: try reader.readInteger(),
                typeModifier: try reader.readInteger()
            ))
        }
        self.init(
            xid: xid, id: id, namespace: namespace, name: name,
            replicaIdentity: replicaIdentity, columns: columns
        )
    }
}
