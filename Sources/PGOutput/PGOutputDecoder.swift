/// Decodes the payloads of XLogData messages into pgoutput messages.
///
/// It is a value with one bit of state: whether it is inside a stream block. The format of
/// Relation, Type, Insert, Update, Delete, Truncate and Message depends on it (an Int32 xid
/// follows the tag inside a block), and nothing in those messages says which form they
/// take, so the decoder must see every message of a connection, in order. Call `reset()`
/// when a new replication connection starts.
public struct PGOutputDecoder: Sendable {
    /// True between a Stream Start and its Stream Stop.
    public private(set) var isInStreamBlock = false

    public init() {}

    public mutating func reset() {
        isInStreamBlock = false
    }

    public mutating func decode(_ bytes: [UInt8]) throws(PGOutputError) -> PGOutputMessage {
        try decode(bytes[...])
    }

    /// Decodes one message. Bytes after a complete message are ignored: a later protocol may
    /// append fields. On error the decoder's state is unchanged.
    public mutating func decode(_ bytes: ArraySlice<UInt8>) throws(PGOutputError) -> PGOutputMessage {
        typealias Tag = PGOutputMessage.Tag
        var reader = ByteReader(bytes)
        let tag = try reader.readUInt8()

        // Only the messages that can appear in a block carry the xid, and only there.
        var xid: UInt32?
        if isInStreamBlock && Tag.carriesStreamXID(tag) {
            xid = try reader.readInteger(as: UInt32.self)
        }

        switch tag {
        case Tag.begin:
            return .begin(try .init(reading: &reader))
        case Tag.commit:
            return .commit(try .init(reading: &reader))
        case Tag.origin:
            return .origin(try .init(reading: &reader))
        case Tag.relation:
            return .relation(try .init(reading: &reader, xid: xid))
        case Tag.type:
            return .type(try .init(reading: &reader, xid: xid))
        case Tag.insert:
            return .insert(try .init(reading: &reader, xid: xid))
        case Tag.update:
            return .update(try .init(reading: &reader, xid: xid))
        case Tag.delete:
            return .delete(try .init(reading: &reader, xid: xid))
        case Tag.truncate:
            return .truncate(try .init(reading: &reader, xid: xid))
        case Tag.message:
            return .message(try .init(reading: &reader, xid: xid))
        case Tag.streamStart:
            let start = try PGOutputMessage.StreamStart(reading: &reader)
            isInStreamBlock = true
            return .streamStart(start)
        case Tag.streamStop:
            isInStreamBlock = false
            return .streamStop
        case Tag.streamCommit:
            return .streamCommit(try .init(reading: &reader))
        case Tag.streamAbort:
            return .streamAbort(try .init(reading: &reader))
        default:
            throw PGOutputError(.unknownTag(tag), offset: 0)
        }
    }
}
