import Foundation
import PGOutput

/// The pgoutput messages captured from PostgreSQL 15 for the decoder's tests
/// (`Tests/PGOutputTests/Fixtures`, one message a line as hex), read from the source tree.
/// Fixtures carry no WAL positions: each message gets one, 16 apart from `start`.
struct WireFixture {
    struct Message {
        var bytes: [UInt8]
        var lsn: LSN
    }

    let messages: [Message]

    init(_ name: String, start: UInt64 = 0x1_0000) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("PGOutputTests/Fixtures/\(name).hex")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        messages = lines.enumerated().map { index, line in
            let digits = Array(line.utf8)
            let bytes = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
            return Message(bytes: bytes, lsn: LSN(start + UInt64(index) * 16))
        }
    }

    /// Every message decoded in order by one decoder, as a replication connection reads them.
    func decoded() throws -> [(message: PGOutputMessage, lsn: LSN)] {
        var decoder = PGOutputDecoder()
        return try messages.map { (try decoder.decode($0.bytes), $0.lsn) }
    }
}

extension PGOutputMessage {
    /// The message as it reads outside a stream block: without the block's xid.
    var transactionForm: PGOutputMessage {
        switch self {
        case .relation(var m): m.xid = nil; return .relation(m)
        case .type(var m): m.xid = nil; return .type(m)
        case .insert(var m): m.xid = nil; return .insert(m)
        case .update(var m): m.xid = nil; return .update(m)
        case .delete(var m): m.xid = nil; return .delete(m)
        case .truncate(var m): m.xid = nil; return .truncate(m)
        case .message(var m): m.xid = nil; return .message(m)
        default: return self
        }
    }

    var isRowLevel: Bool {
        switch self {
        case .insert, .update, .delete, .truncate, .message: true
        default: false
        }
    }
}
