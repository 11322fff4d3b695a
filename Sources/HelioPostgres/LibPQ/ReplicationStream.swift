import CLibPQ
import Glibc

/// The CopyBoth stream of `START_REPLICATION` on a replication connection.
///
/// Reads never block inside libpq: `PQgetCopyData` runs in async mode and the wait is a
/// `poll(2)` on the socket with a timeout, so the owner can send keepalive replies and
/// status updates on time.
///
/// Over TLS the stream reads ahead (OpenSSL's read-ahead): the server sends each change as a
/// record of its own, and without read-ahead OpenSSL takes every record with two `recv(2)`
/// calls. Before libpq's blocking calls (the end of the stream) the records read ahead are
/// handed to libpq and read-ahead is turned off again, because libpq's waits do not see them.
public final class ReplicationStream: @unchecked Sendable {
    let connection: PostgresConnection
    private(set) public var isOpen = true
    /// OpenSSL reads ahead on this connection: it has TLS, and the stream has not ended.
    public var readsAhead: Bool { helio_pq_tls_reads_ahead(connection.handle) != 0 }
    /// At most this many reads per `read` call are driven by bytes OpenSSL holds rather than
    /// by the socket. Each read takes one record; more than one is needed only when a message
    /// spans records, of which OpenSSL's 16 KiB hold one or two whole ones. The bound also
    /// stops the reads when what it holds is only part of a record.
    static let heldRecordReads = 4

    /// Sends `command` (a `START_REPLICATION …`) and enters CopyBoth mode.
    public init(connection: PostgresConnection, command: String) throws(PostgresError) {
        self.connection = connection
        guard let result = PQexec(connection.handle, command) else { throw connection.lastError(.connection) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_BOTH else {
            throw PostgresConnection.resultError(result, connection: connection.handle)
        }
        helio_pq_tls_set_read_ahead(connection.handle, 1)
    }

    /// The next CopyData payload, or `nil` when `timeoutMilliseconds` pass without one.
    /// Throws when the server ends the stream (its error, such as a dropped publication, included).
    public func read(timeoutMilliseconds: Int32) throws(PostgresError) -> [UInt8]? {
        var waited = false
        var reads = 0
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
            // longer shows as readable: take it with a non-blocking read before waiting, and
            // again while it holds records read ahead (one record per read).
            if reads == 0 || (reads < Self.heldRecordReads && helio_pq_tls_has_pending(connection.handle) != 0) {
                reads += 1
                guard PQconsumeInput(connection.handle) == 1 else { throw connection.lastError(.replication) }
                continue
            }
            // Nothing buffered: wait for the socket once, then read what arrived.
            if waited { return nil }
            let ready = try waitReadable(timeoutMilliseconds: timeoutMilliseconds)
            guard PQconsumeInput(connection.handle) == 1 else { throw connection.lastError(.replication) }
            waited = true
            reads = 1
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
        endReadAhead()
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

    /// Hands libpq the records OpenSSL read ahead, then reads record by record again, so that
    /// libpq's blocking calls (which wait on the socket unless OpenSSL holds decrypted bytes)
    /// never wait for bytes already received. What remains held is part of a record, whose
    /// rest the socket still brings.
    private func endReadAhead() {
        guard readsAhead else { return }
        // Its 16 KiB hold at most a few hundred of the smallest records; each read takes one.
        var reads = 0
        while reads < 1_024, helio_pq_tls_has_pending(connection.handle) != 0, PQconsumeInput(connection.handle) == 1 {
            reads += 1
        }
        helio_pq_tls_set_read_ahead(connection.handle, 0)
    }

    private func endOfStream() -> PostgresError {
        isOpen = false
        endReadAhead()
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
