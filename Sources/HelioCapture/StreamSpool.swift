import Foundation
import Glibc
import PGOutput

/// Disk spool for transactions the server streams while they are still in progress
/// (protocol 2, `streaming on`). Their changes are kept in a file per top-level xid and
/// published only at Stream Commit, so memory stays bounded whatever the transaction's size;
/// Stream Abort deletes the file.
///
/// Record layout: walStart (8 bytes), subxid (4), length (4), then the pgoutput bytes.
final class StreamSpool {
    let directory: String
    private var files: [UInt32: UnsafeMutablePointer<FILE>] = [:]
    /// Subtransactions rolled back inside a streamed transaction; their changes are skipped.
    private var abortedSubtransactions: [UInt32: Set<UInt32>] = [:]

    init(directory: String) throws(CaptureError) {
        self.directory = directory
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
        let file: UnsafeMutablePointer<FILE>
        if let open = files[xid] {
            file = open
        } else {
            guard let created = fopen(path(xid), "w+b") else {
                throw .spool("cannot create \(path(xid)): \(String(cString: strerror(errno)))")
            }
            setvbuf(created, nil, _IOFBF, 1 << 20)
            files[xid] = created
            file = created
        }
        var header = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: walStart.value.bigEndian) { header.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: subxid.bigEndian) { header.replaceSubrange(8..<12, with: $0) }
        withUnsafeBytes(of: UInt32(data.count).bigEndian) { header.replaceSubrange(12..<16, with: $0) }
        let written = header.withUnsafeBytes { fwrite($0.baseAddress, 1, 16, file) }
            + data.withUnsafeBytes { fwrite($0.baseAddress, 1, data.count, file) }
        guard written == 16 + data.count else {
            throw .spool("write to \(path(xid)) failed: \(String(cString: strerror(errno)))")
        }
    }

    func abortSubtransaction(xid: UInt32, subxid: UInt32) {
        abortedSubtransactions[xid, default: []].insert(subxid)
    }

    func discard(xid: UInt32) {
        if let file = files.removeValue(forKey: xid) { fclose(file) }
        abortedSubtransactions[xid] = nil
        unlink(path(xid))
    }

    /// Hands back every spooled message of `xid` in order (skipping rolled-back
    /// subtransactions), then deletes the file.
    func replay(xid: UInt32, _ body: (LSN, [UInt8]) throws -> Void) throws {
        guard let file = files.removeValue(forKey: xid) else { return }
        let aborted = abortedSubtransactions.removeValue(forKey: xid) ?? []
        defer { fclose(file); unlink(path(xid)) }
        guard fflush(file) == 0 else { throw CaptureError.spool("flush of \(path(xid)) failed: \(String(cString: strerror(errno)))") }
        rewind(file)
        var header = [UInt8](repeating: 0, count: 16)
        var data: [UInt8] = []
        while header.withUnsafeMutableBytes({ fread($0.baseAddress, 1, 16, file) }) == 16 {
            let lsn = header[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let subxid = header[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let length = Int(header[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            data = [UInt8](repeating: 0, count: length)
            guard data.withUnsafeMutableBytes({ fread($0.baseAddress, 1, length, file) }) == length else {
                throw CaptureError.spool("\(path(xid)) is truncated")
            }
            if aborted.contains(subxid) { continue }
            try body(LSN(lsn), data)
        }
    }
}
