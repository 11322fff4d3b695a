/// One pgoutput logical replication message (PostgreSQL "Logical Replication Message
/// Formats", protocol versions 1 and 2).
///
/// Messages that may appear inside a stream block carry `xid`: the (sub)transaction the
/// change belongs to, set only between Stream Start and Stream Stop. Inside a block it can
/// be a subtransaction's xid, not the one Stream Start named.
public enum PGOutputMessage: Sendable, Hashable {
    case begin(Begin)
    case commit(Commit)
    case origin(Origin)
    case relation(Relation)
    case type(TypeDefinition)
    case insert(Insert)
    case update(Update)
    case delete(Delete)
    case truncate(Truncate)
    case message(LogicalMessage)
    case streamStart(StreamStart)
    case streamStop
    case streamCommit(StreamCommit)
    case streamAbort(StreamAbort)
}

extension PGOutputMessage {
    /// First byte of each message.
    enum Tag {
        static let begin = UInt8(ascii: "B")
        static let commit = UInt8(ascii: "C")
        static let origin = UInt8(ascii: "O")
        static let relation = UInt8(ascii: "R")
        static let type = UInt8(ascii: "Y")
        static let insert = UInt8(ascii: "I")
        static let update = UInt8(ascii: "U")
        static let delete = UInt8(ascii: "D")
        static let truncate = UInt8(ascii: "T")
        static let message = UInt8(ascii: "M")
        static let streamStart = UInt8(ascii: "S")
        static let streamStop = UInt8(ascii: "E")
        static let streamCommit = UInt8(ascii: "c")
        static let streamAbort = UInt8(ascii: "A")

        static func carriesStreamXID(_ tag: UInt8) -> Bool {
            switch tag {
            case relation, type, insert, update, delete, truncate, message: true
            default: false
            }
        }
    }
}
