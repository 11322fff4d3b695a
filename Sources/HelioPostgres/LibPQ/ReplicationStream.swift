import CLibPQ
import Glibc

/// The CopyBoth stream of `START_REPLICATION` on a replication connection.
///
/// Reads never block inside libpq: `PQgetCopyData` runs in async mode and the wait is a
/// `poll(2)` on the socket with a timeout, so the owner can send keepalive replies and
/// status updates on time.
public final class ReplicationStream: @unchecked Sendable {
    let connection: PostgresConnection
    private(set) public var isOpen = true

    /// Sends `command` (a `START_REPLICATION …`) and enters CopyBoth mode.
    public init(connection: PostgresConnection, command: String) throws(PostgresError) {
        self.connection = connection
        guard let result = PQexec(connection.handle, command) else { throw connection.lastError(.connection) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_BOTH else {
            throw PostgresConnection.resultError(result, connection: connection.handle)
        }
    }

    /// The next CopyData payload, or `nil` when `timeoutMilliseconds` pass without one.
    /// Throws when the server ends the stream (its error, such as a dropped publication, included).
    public func read(timeoutMilliseconds: Int32) throws(PostgresError) -> [UInt8]? {
        var waited = false
        var readAhead = false
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection.handle, &buffer, 1)
            if length > 0, let data = buffer {
                defer { PQfreemem(data) }
                return [UInt8](UnsafeRawBufferPointer(start: data, count: Int(length)))
            }
            if length == -1 { throw endOfStream() }
            if length < -1 { throw connection.lastError(.replication) }
            // Over TLS, OpenSSL may already hold the rest of a message that the socket no
            // longer shows as readable: take it with a non-blocking read before waiting.
            if !readAhead {
                readAhead = true
                guard PQconsumeInput(connection.handle) == 1 else { throw connection.lastError(.replication) }
                continue
            }
            // Nothing buffered: wait for the socket once, then read what arrived.
            if waited { return nil }
            let ready = try waitReadable(timeoutMilliseconds: timeoutMilliseconds)
            guard PQconsumeInput(connection.handle) == 1 else { throw connection.lastError(.replication) }
            waited = true
            if !ready { return nil }
        }
    }

    /// Sends one CopyData message (a standby status update) and flushes it.
    public func send(_ bytes: [UInt8]) throws(PostgresError) {
        let status = bytes.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection.handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1, PQflush(connection.handle) == 0 else { throw connection.lastError(.replication) }
    }

    /// Ends the stream cleanly (`CopyDone`), so the server records the last confirmed position.
    public func finish() {
        guard isOpen else { return }
        isOpen = false
        _ = PQputCopyEnd(connection.handle, nil)
        _ = PQflush(connection.handle)
        // Drain what the server sends after CopyDone, bounded: the stream may hold pending data.
        for _ in 0..<10_000 {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection.handle, &buffer, 0)
            if let buffer { PQfreemem(buffer) }
            if length < 0 { break }
        }
        while let result = PQgetResult(connection.handle) { PQclear(result) }
    }

    private func waitReadable(timeoutMilliseconds: Int32) throws(PostgresError) -> Bool {
        let socket = PQsocket(connection.handle)
        guard socket >= 0 else { throw connection.lastError(.replication) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 { throw PostgresError(kind: .replication, message: "poll failed: errno \(errno)") }
            return ready > 0
        }
    }

    private func endOfStream() -> PostgresError {
        isOpen = false
        var failure = PostgresError(kind: .replication, message: "the server ended the replication stream")
        while let result = PQgetResult(connection.handle) {
            if PQresultStatus(result) == PGRES_FATAL_ERROR {
                var error = PostgresConnection.resultError(result, connection: connection.handle)
                error.kind = .replication
                failure = error
            }
            PQclear(result)
        }
        return failure
    }
}
