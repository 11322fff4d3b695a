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
        // The small parts first; the head (most of the bytes) goes to the file from where it
        // is, not copied behind them into one more array.
        var parts: [UInt8] = []
        parts.reserveCapacity(change.key.count + (change.keyText?.utf8.count ?? 0) + 13)
        parts.append(contentsOf: change.op.rawValue.utf8)
        Self.appendInteger(change.relationID, to: &parts)
        Self.appendInteger(UInt32(change.key.count), to: &parts)
        parts.append(contentsOf: change.key)
        Self.appendInteger(change.keyText.map { UInt32($0.utf8.count) } ?? UInt32.max, to: &parts)
        parts.append(contentsOf: change.keyText?.utf8 ?? "".utf8)
        try write(xid: xid, subxid: subxid, walStart: walStart, kind: 1, body: parts[...], rest: change.head[...])
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// One record: the header, then `data` and `rest` together as its body.
    private func write(xid: UInt32, subxid: UInt32, walStart: LSN, kind: UInt8, body data: ArraySlice<UInt8>,
                       rest: ArraySlice<UInt8> = []) throws(CaptureError) {
        let length = data.count + rest.count
        let size = Int64(Self.headerSize + length)
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
        // The header in a temporary buffer: 17 bytes, no array per record.
        let written = withUnsafeTemporaryAllocation(byteCount: Self.headerSize, alignment: 8) { header in
            header.storeBytes(of: walStart.value.bigEndian, toByteOffset: 0, as: UInt64.self)
            header.storeBytes(of: subxid.bigEndian, toByteOffset: 8, as: UInt32.self)
            header.storeBytes(of: kind, toByteOffset: 12, as: UInt8.self)
            header.storeBytes(of: UInt32(length).bigEndian, toByteOffset: 13, as: UInt32.self)
            return fwrite(header.baseAddress, 1, Self.headerSize, file)
        }
            + data.withUnsafeBytes { fwrite($0.baseAddress, 1, data.count, file) }
            + rest.withUnsafeBytes { fwrite($0.baseAddress, 1, rest.count, file) }
        guard written == Self.headerSize + length else {
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
    /// `keyTexts`: whether changes come back with their `keyText` (see `decodeChange`), asked
    /// per change (an incremental snapshot may begin to watch keys at any change).
    func replay(xid: UInt32, headRoom: Int = 0, keyTexts: () -> Bool = { true }, _ body: (LSN, Record) throws -> Void) throws {
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
            try body(LSN(lsn), kind == 0 ? .message(Array(record)) : .change(try Self.decodeChange(record, headRoom: headRoom, keyTexts: keyTexts())))
        }
    }

    /// The op's one letter, read as a byte: a String per record for `ChangeOp(rawValue:)`
    /// showed in replay's profile.
    private static func op(_ letter: UInt8) -> ChangeOp? {
        switch letter {
        case UInt8(ascii: "c"): .create
        case UInt8(ascii: "u"): .update
        case UInt8(ascii: "d"): .delete
        case UInt8(ascii: "r"): .read
        case UInt8(ascii: "t"): .truncate
        default: nil
        }
    }

    static func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type) -> T {
        bytes.reduce(T(0)) { $0 << 8 | T($1) }
    }

    /// `keyTexts`: false leaves `keyText` nil (only an incremental snapshot reads it; making a
    /// String of it per record showed in replay's profile).
    static func decodeChange(_ data: ArraySlice<UInt8>, headRoom: Int = 0, keyTexts: Bool = true) throws -> EncodedChange {
        var index = data.startIndex
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard index + count <= data.endIndex else { throw CaptureError.spool("a spooled change is truncated") }
            defer { index += count }
            return data[index..<index + count]
        }
        guard let op = op(try take(1).first!) else {
            throw CaptureError.spool("a spooled change has an unknown op")
        }
        let relationID = integer(try take(4), as: UInt32.self)
        let key = Array(try take(Int(integer(try take(4), as: UInt32.self))))
        let keyTextLength = integer(try take(4), as: UInt32.self)
        let keyTextBytes = keyTextLength == UInt32.max ? nil : try take(Int(keyTextLength))
        let keyText = keyTexts ? keyTextBytes.map { String(decoding: $0, as: UTF8.self) } : nil
        var head: [UInt8] = []
        head.reserveCapacity(data.endIndex - index + headRoom)
        head.append(contentsOf: data[index...])
        return EncodedChange(op: op, relationID: relationID, key: key, keyText: keyText, head: head)
    }
}
