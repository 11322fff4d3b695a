/// One column of a row as pgoutput sends it.
public enum TupleValue: Sendable, Hashable {
    /// 'n': SQL NULL.
    case null
    /// 'u': a TOASTed value the change did not touch. The server does not send it again, so
    /// the consumer must keep the old value (or fetch it) rather than overwrite it with NULL.
    case unchangedToast
    /// 't': the value in the type's text output format.
    case text(String)
    /// 'b': the value in the type's binary send format (only with the `binary` option).
    case binary([UInt8])
}

/// A row: one value per column of the Relation, in the Relation's column order.
public struct TupleData: Sendable, Hashable {
    public var values: [TupleValue]

    public init(values: [TupleValue]) {
        self.values = values
    }
}

extension TupleData {
    init(reading reader: inout ByteReader) throws(PGOutputError) {
        let count = try reader.readLength(as: Int16.self)
        // Each column takes at least one byte: refuse a count the message cannot hold before
        // reserving memory for it.
        guard count <= reader.remaining else { throw reader.error(.truncated) }
        var values: [TupleValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let kindOffset = reader.index
            switch try reader.readUInt8() {
            case UInt8(ascii: "n"):
                values.append(.null)
            case UInt8(ascii: "u"):
                values.append(.unchangedToast)
            case UInt8(ascii: "t"):
                let length = try reader.readLength(as: Int32.self)
                values.append(.text(try reader.readString(count: length)))
            case UInt8(ascii: "b"):
                let length = try reader.readLength(as: Int32.self)
                values.append(.binary(Array(try reader.readSlice(count: length))))
            case let kind:
                throw reader.error(.badTupleKind(kind), at: kindOffset)
            }
        }
        self.init(values: values)
    }
}
