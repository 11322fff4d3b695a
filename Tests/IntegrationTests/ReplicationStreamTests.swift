import Foundation
import HelioPostgres
import HelioTestSupport
import PGOutput
import Testing

/// The replication stream over TLS reads ahead (OpenSSL's read-ahead: one `recv(2)` for many
/// records instead of two per record), and what read-ahead holds never waits: thousands of
/// small messages and a message of 1 MiB, which spans many TLS records, all arrive, and the
/// stream ends cleanly while the server is still sending. Without TLS nothing changes.
@Suite("Replication stream", .serialized)
struct ReplicationStreamTests {
    static let small = 3_000
    static let largeBytes = 1 << 20

    @Test("over TLS it reads ahead; every message arrives, a 1 MiB one included, without waiting on bytes already received",
          arguments: ["require", "disable"])
    func readsEveryMessage(sslMode: String) throws {
        let env = try TestEnvironment("replstream")
        defer { env.drop() }
        let (stream, source) = try Self.start(env, sslMode: sslMode)
        defer { stream.finish() }
        #expect(stream.readsAhead == (sslMode == "require"))

        try Self.emit(source)
        var decoder = PGOutputDecoder()
        var sizes: [Int] = []
        var idleReads = 0
        let started = Date()
        while sizes.count < 2 * Self.small + 1, Date().timeIntervalSince(started) < 60 {
            guard let payload = try stream.read(timeoutMilliseconds: 100) else {
                if !sizes.isEmpty { idleReads += 1 }
                continue
            }
            guard case .xLogData(_, _, _, let data) = try ReplicationMessage(decoding: payload),
                  case .message(let message) = try decoder.decode(data) else { continue }
            sizes.append(message.content.count)
        }
        #expect(sizes.count == 2 * Self.small + 1)
        #expect(sizes.filter { $0 == Self.largeBytes }.count == 1)
        #expect(sizes.filter { $0 == 100 }.count == 2 * Self.small)
        // The transaction was decoded before its first message was sent: from then on the
        // server sends without pause, so reads that time out again and again would be waiting
        // on bytes already here (a few are the scheduler's, on a busy machine).
        #expect(idleReads <= 10, "\(idleReads) reads timed out while the transaction was arriving")
    }

    @Test("over TLS the stream ends within seconds while records read ahead are still unread")
    func finishesWhileRecordsAreHeld() throws {
        let env = try TestEnvironment("replstreamend")
        defer { env.drop() }
        let (stream, source) = try Self.start(env, sslMode: "require")
        #expect(stream.readsAhead)
        try Self.emit(source)
        var received = 0
        let started = Date()
        while received < 10, Date().timeIntervalSince(started) < 60 {
            if try stream.read(timeoutMilliseconds: 100) != nil { received += 1 }
        }
        #expect(received == 10)
        let finishing = Date()
        stream.finish()
        #expect(!stream.readsAhead && !stream.isOpen)
        #expect(Date().timeIntervalSince(finishing) < 10)
        // The server took the end of the stream: its walsender let the slot go.
        try eventually("the slot released", within: 30) {
            try source.execute("SELECT active::text FROM pg_replication_slots WHERE slot_name = $1", [env.name]).scalar == "false"
        }
    }

    /// A slot and a stream of logical decoding messages (pgoutput, protocol 1, no tables).
    static func start(_ env: TestEnvironment, sslMode: String) throws -> (ReplicationStream, PostgresConnection) {
        let source = try env.source()
        try source.execute("CREATE PUBLICATION replstream")
        let url = LocalStack.url(env.sourceURL, sslMode: sslMode, rootCertificate: nil)
        let replication = try PostgresConnection(ConnectionOptions(url: url, applicationName: "helio-test", replication: true))
        try replication.execute("CREATE_REPLICATION_SLOT \(env.name) LOGICAL pgoutput NOEXPORT_SNAPSHOT")
        let stream = try ReplicationStream(connection: replication, command:
            "START_REPLICATION SLOT \(env.name) LOGICAL 0/0 (proto_version '1', messages 'true', publication_names '\"replstream\"')")
        return (stream, source)
    }

    /// One transaction: small messages, one of 1 MiB, small messages again.
    static func emit(_ source: PostgresConnection) throws {
        let smallMessages = "SELECT count(pg_logical_emit_message(true, 'helio-test', repeat('x', 100))) FROM generate_series(1, \(small))"
        try source.execute("BEGIN")
        try source.execute(smallMessages)
        try source.execute("SELECT pg_logical_emit_message(true, 'helio-test', repeat('y', \(largeBytes)))")
        try source.execute(smallMessages)
        try source.execute("COMMIT")
    }
}
