import Foundation
import Glibc
import HelioEvents
import PGOutput

/// Disk spool for transactions the server streams while they are still in progress
/// (protocol 2, `streaming on`). Their changes are kept in a file per top-level xid and
/// published only at Stream Commit, so memory stays bounded whatever the transaction's size;
/// Stream Abort deletes the file.
///
/// Record layout: walStart (8 bytes), subxid (4), kind (1), length (4), then the body: the
/// pgoutput message in its transaction form, without the stream block's xid (kind 0), or a
/// row change already encoded up to its commit-dependent part (kind 1), so that the work is done while the server is still streaming, not after.
final class StreamSpool {
    /// A row change of a streamed transaction, encoded but for its `source` block.
    struct EncodedChange {
        var op: ChangeOp
        var relationID: UInt32
        var key: [UInt8]
        var keyText: String?
        var head: [UInt8]
    }

    enum Record {
        case message([UInt8])
        case change(EncodedChange)
    }

    let directory: String
    /// Most bytes the open spool files may hold together (`HELIO_SPOOL_MAX_BYTES`); nil: the disk's size.
    let maxBytes: Int64?
    private var files: [UInt32: UnsafeMutablePointer<FILE>] = [:]
    /// Bytes written to each open spool file, and their sum, for `maxBytes`.
    private var fileBytes: [UInt32: Int64] = [:]
    private(set) var bytesInUse: Int64 = 0
    /// Subtransactions rolled back inside a streamed transaction; their changes are skipped.
    private var abortedSubtransactions: [UInt32: Set<UInt32>] = [:]

    init(directory: String, maxBytes: Int64? = nil) throws(CaptureError) {
        self.directory = directory
        self.maxBytes = maxBytes
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .spool("cannot create \(directory): \(error.localizedDescription)")
        }
        // Leftovers of a previous run belong to transactions the slot will stream again.
        if let dir = opendir(directory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix("xid-") { unlink("\(directory)/\(name)") }
            }
            closedir(dir)
        }
    }

    deinit { files.values.forEach { fclose($0) } }

    var isEmpty: Bool { files.isEmpty }

    func path(_ xid: UInt32) -> String { "\(directory)/xid-\(xid).spool" }

    func append(xid: UInt32, subxid: UInt32, walStart: LSN, data: ArraySlice<UInt8>) throws(CaptureError) {
        try write(xid: xid, subxid: subxid, walStart: walStart, kind: 0, body: data)
    }

    /// Keeps a pgoutput message read inside a stream block in its transaction form: without
    /// the xid the block form carries after the tag, so that at replay a fresh decoder reads
    /// it as it would have arrived in a Begin…Commit transaction.
    func append(xid: UInt32, subxid: UInt32, walStart: LSN, streamedMessage data: ArraySlice<UInt8>) throws(CaptureError) {
        guard let tag = data.first, data.count >= 5 else { throw .spool("a streamed message of transaction \(xid) is too short") }
        try write(xid: xid, subxid: subxid, walStart: walStart, kind: 0, body: ([tag] + data.dropFirst(5))[...])
    }

    func append(xid: UInt32, subxid: UInt32, walStart: LSN, change: EncodedChange) throws(CaptureError) {
        var body: [UInt8] = []
        body.reserveCapacity(change.head.count + change.key.count + 32)
        body.append(contentsOf: change.op.rawValue.utf8)
        Self.appendInteger(change.relationID, to: &body)
        Self.appendInteger(UInt32(change.key.count), to: &body)
        body.append(contentsOf: change.key)
        let keyText = change.keyText.map { Array($0.utf8) }
        Self.appendInteger(keyText.map { UInt32($0.count) } ?? UInt32.max, to: &body)
        body.append(contentsOf: keyText ?? [])
        body.append(contentsOf: change.head)
        try write(xid: xid, subxid: subxid, walStart: walStart, kind: 1, body: body[...])
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private func write(xid: UInt32, subxid: UInt32, walStart: LSN, kind: UInt8, body data: ArraySlice<UInt8>) throws(CaptureError) {
        let size = Int64(Self.headerSize + data.count)
        if let maxBytes, bytesInUse + size > maxBytes {
            discard(xid: xid) // what was spooled of it is useless now; free the space at once
            throw .spoolFull(directory: directory, detail: "HELIO_SPOOL_MAX_BYTES is \(maxBytes) bytes and transaction \(xid) needs more")
        }
        let file: UnsafeMutablePointer<FILE>
        if let open = files[xid] {
            file = open
        } else {
            guard let created = fopen(path(xid), "w+b") else {
                let code = errno
                throw failure(xid: xid, "cannot create \(path(xid))", errno: code)
            }
            setvbuf(created, nil, _IOFBF, 1 << 20)
            files[xid] = created
            file = created
        }
        var header: [UInt8] = []
        header.reserveCapacity(Self.headerSize)
        Self.appendInteger(walStart.value, to: &header)
        Self.appendInteger(subxid, to: &header)
        header.append(kind)
        Self.appendInteger(UInt32(data.count), to: &header)
        let written = header.withUnsafeBytes { fwrite($0.baseAddress, 1, Self.headerSize, file) }
            + data.withUnsafeBytes { fwrite($0.baseAddress, 1, data.count, file) }
        guard written == Self.headerSize + data.count else {
            let code = errno
            throw failure(xid: xid, "write to \(path(xid)) failed", errno: code)
        }
        fileBytes[xid, default: 0] += size
        bytesInUse += size
    }

    /// A full disk (or quota) is told apart from other I/O errors: it has its own remedy.
    private func failure(xid: UInt32, _ what: String, errno code: Int32) -> CaptureError {
        let reason = String(cString: strerror(code))
        guard code == ENOSPC || code == EDQUOT else { return .spool("\(what): \(reason)") }
        discard(xid: xid)
        return .spoolFull(directory: directory, detail: "\(what): \(reason)")
    }

    func abortSubtransaction(xid: UInt32, subxid: UInt32) {
        abortedSubtransactions[xid, default: []].insert(subxid)
    }

    func discard(xid: UInt32) {
        if let file = files.removeValue(forKey: xid) { fclose(file) }
        bytesInUse -= fileBytes.removeValue(forKey: xid) ?? 0
        abortedSubtransactions[xid] = nil
        unlink(path(xid))
    }

    /// Hands back every spooled message of `xid` in order (skipping rolled-back
    /// subtransactions), then deletes the file.
    static let headerSize = 17

    /// `headRoom`: free capacity each change's `head` gets, for the tail its publisher
    /// appends (so it is allocated once, not grown and copied).
    func replay(xid: UInt32, headRoom: Int = 0, _ body: (LSN, Record) throws -> Void) throws {
        guard let file = files.removeValue(forKey: xid) else { return }
        let aborted = abortedSubtransactions.removeValue(forKey: xid) ?? []
        defer { fclose(file); unlink(path(xid)); bytesInUse -= fileBytes.removeValue(forKey: xid) ?? 0 }
        // The last buffered bytes reach the disk only now: a full disk can show here first.
        guard fflush(file) == 0 else {
            let code = errno
            throw failure(xid: xid, "flush of \(path(xid)) failed", errno: code)
        }
        rewind(file)
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        // One read buffer for the whole replay, grown when a record is longer: a change's parts
        // are copied out of it, so it needs no allocation of its own per record.
        var data = [UInt8](repeating: 0, count: 4_096)
        while header.withUnsafeMutableBytes({ fread($0.baseAddress, 1, Self.headerSize, file) }) == Self.headerSize {
            let lsn = Self.integer(header[0..<8], as: UInt64.self)
            let subxid = Self.integer(header[8..<12], as: UInt32.self)
            let kind = header[12]
            let length = Int(Self.integer(header[13..<17], as: UInt32.self))
            if length > data.count { data = [UInt8](repeating: 0, count: max(length, 2 * data.count)) }
            guard data.withUnsafeMutableBytes({ fread($0.baseAddress, 1, length, file) }) == length else {
                throw CaptureError.spool("\(path(xid)) is truncated")
            }
            if aborted.contains(subxid) { continue }
            let record = data[0..<length]
            try body(LSN(lsn), kind == 0 ? .message(Array(record)) : .change(try Self.decodeChange(record, headRoom: headRoom)))
        }
    }

    static func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type) -> T {
        bytes.reduce(T(0)) { $0 << 8 | T($1) }
    }

    static func decodeChange(_ data: ArraySlice<UInt8>, headRoom: Int = 0) throws -> EncodedChange {
        var index = data.startIndex
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard index + count <= data.endIndex else { throw CaptureError.spool("a spooled change is truncated") }
            defer { index += count }
            return data[index..<index + count]
        }
        guard let op = ChangeOp(rawValue: String(decoding: try take(1), as: UTF8.self)) else {
            throw CaptureError.spool("a spooled change has an unknown op")
        }
        let relationID = integer(try take(4), as: UInt32.self)
        let key = Array(try take(Int(integer(try take(4), as: UInt32.self))))
        let keyTextLength = integer(try take(4), as: UInt32.self)
        let keyText = keyTextLength == UInt32.max ? nil : String(decoding: try take(Int(keyTextLength)), as: UTF8.self)
        var head: [UInt8] = []
        head.reserveCapacity(data.endIndex - index + headRoom)
        head.append(contentsOf: data[index...])
        return EncodedChange(op: op, relationID: relationID, key: key, keyText: keyText, head: head)
    }
}
