import Foundation

/// An append-only log file rotated by size. Before a line would take `helio.log` past
/// `maxBytes`, `helio.log.N-1` becomes `helio.log.N` … `helio.log` becomes `helio.log.1`, the
/// oldest beyond `maxFiles` (the current file counted) is removed, and a new `helio.log` is
/// opened. One lock covers writing and rotating, so lines from many threads are neither split
/// nor lost across a rotation. One process per file: two processes rotating the same file
/// would rename each other's files.
public final class RotatingLogFile: @unchecked Sendable {
    public let path: String
    public let maxBytes: Int
    public let maxFiles: Int
    private let lock = NSLock()
    private var descriptor: Int32
    private var size: Int

    public struct OpenError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot open the log file \(path): \(reason)" }
    }

    public init(path: String, maxBytes: Int, maxFiles: Int) throws {
        self.path = path
        self.maxBytes = max(1, maxBytes)
        self.maxFiles = max(1, maxFiles)
        descriptor = Self.open(path, truncate: false)
        guard descriptor >= 0 else { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
        var status = stat()
        size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends one line (with its newline); rotates first when the line would not fit.
    public func write(_ line: String) {
        let bytes = Array(line.utf8)
        lock.withLock {
            if size > 0 && size + bytes.count > maxBytes { rotate() }
            guard descriptor >= 0 else {
                // The file could not be reopened after a rotation: stderr rather than nothing.
                writeFully(2, bytes)
                return
            }
            size += writeFully(descriptor, bytes)
        }
    }

    /// The file names, newest first: `helio.log`, `helio.log.1`, …
    public var fileNames: [String] {
        [path] + (1..<maxFiles).map { "\(path).\($0)" }
    }

    private func rotate() {
        close(descriptor)
        if maxFiles > 1 {
            unlink("\(path).\(maxFiles - 1)")
            for index in stride(from: maxFiles - 2, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            rename(path, "\(path).1")
        }
        descriptor = Self.open(path, truncate: true)
        size = 0
    }

    private static func open(_ path: String, truncate: Bool) -> Int32 {
        Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o640)
    }
}

/// `write(2)` until every byte is written or the descriptor fails; returns the bytes written.
@discardableResult
func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                break
            }
            written += result
        }
        return written
    }
}
