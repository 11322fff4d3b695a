import Foundation
import PGOutput

/// Messages captured from PostgreSQL 15 by `scripts/capture-pgoutput-fixtures`: one message
/// a line as hex, '#' lines are comments.
struct Fixture {
    static let all = [
        "insert-v1", "insert-v2", "update-v1", "delete-v1", "truncate-v1", "message-v1",
        "origin-v1", "binary-v1", "stream-v2", "stream-abort-v2",
    ]

    let name: String
    let messages: [[UInt8]]

    struct Missing: Error { let name: String }

    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Fixtures") else {
            throw Missing(name: name)
        }
        self.name = name
        self.messages = try String(contentsOf: url, encoding: .utf8)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .map { try hexBytes($0) }
    }

    /// Decodes every message in order with one decoder, as a replication connection would.
    func decoded() throws -> [PGOutputMessage] {
        var decoder = PGOutputDecoder()
        return try messages.map { try decoder.decode($0) }
    }

    /// The first Relation message with this table name.
    static func relation(_ name: String, in messages: [PGOutputMessage]) -> PGOutputMessage.Relation? {
        messages.compactMap(\.relation).first { $0.name == name }
    }
}

struct BadHex: Error {}

func hexBytes(_ text: some StringProtocol) throws -> [UInt8] {
    let digits = Array(text.utf8)
    guard digits.count.isMultiple(of: 2) else { throw BadHex() }
    return try stride(from: 0, to: digits.count, by: 2).map { index in
        guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
            throw BadHex()
        }
        return byte
    }
}

/// Builds wire bytes by hand, big-endian, like the server does.
struct Bytes {
    var bytes: [UInt8] = []

    init(_ tag: Character) {
        bytes.append(UInt8(ascii: tag.unicodeScalars.first!))
    }

    func int8(_ value: UInt8) -> Bytes { appending([value]) }
    func char(_ value: Character) -> Bytes { int8(UInt8(ascii: value.unicodeScalars.first!)) }
    func int16(_ value: Int16) -> Bytes { integer(value) }
    func int32(_ value: Int32) -> Bytes { integer(value) }
    func uint32(_ value: UInt32) -> Bytes { integer(value) }
    func int64(_ value: Int64) -> Bytes { integer(value) }
    func lsn(_ value: UInt64) -> Bytes { integer(value) }
    func string(_ value: String) -> Bytes { appending(Array(value.utf8) + [0]) }
    func raw(_ value: [UInt8]) -> Bytes { appending(value) }
    func text(_ value: String) -> Bytes { char("t").int32(Int32(value.utf8.count)).raw(Array(value.utf8)) }

    private func integer<T: FixedWidthInteger>(_ value: T) -> Bytes {
        appending((0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) })
    }

    private func appending(_ more: [UInt8]) -> Bytes {
        var copy = self
        copy.bytes += more
        return copy
    }
}

extension PGOutputMessage {
    var begin: Begin? { if case .begin(let m) = self { m } else { nil } }
    var commit: Commit? { if case .commit(let m) = self { m } else { nil } }
    var origin: Origin? { if case .origin(let m) = self { m } else { nil } }
    var relation: Relation? { if case .relation(let m) = self { m } else { nil } }
    var typeDefinition: TypeDefinition? { if case .type(let m) = self { m } else { nil } }
    var insert: Insert? { if case .insert(let m) = self { m } else { nil } }
    var update: Update? { if case .update(let m) = self { m } else { nil } }
    var delete: Delete? { if case .delete(let m) = self { m } else { nil } }
    var truncate: Truncate? { if case .truncate(let m) = self { m } else { nil } }
    var logicalMessage: LogicalMessage? { if case .message(let m) = self { m } else { nil } }
    var streamStart: StreamStart? { if case .streamStart(let m) = self { m } else { nil } }
    var streamCommit: StreamCommit? { if case .streamCommit(let m) = self { m } else { nil } }
    var streamAbort: StreamAbort? { if case .streamAbort(let m) = self { m } else { nil } }
    var isStreamStop: Bool { if case .streamStop = self { true } else { false } }

    /// The xid a message carries inside a stream block, for the kinds that carry one.
    var streamXID: UInt32?? {
        switch self {
        case .relation(let m): m.xid
        case .type(let m): m.xid
        case .insert(let m): m.xid
        case .update(let m): m.xid
        case .delete(let m): m.xid
        case .truncate(let m): m.xid
        case .message(let m): m.xid
        default: nil
        }
    }
}

extension TupleValue {
    var text: String? { if case .text(let s) = self { s } else { nil } }
}
