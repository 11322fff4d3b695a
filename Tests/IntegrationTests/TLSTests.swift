import Foundation
import HelioCapture
import HelioOps
import HelioPostgres
import HelioTestSupport
import Testing

/// TLS to PostgreSQL with `sslmode=verify-full` against the local stack's private CA
/// (`deploy/local/stack` makes it and turns `ssl` on), and the errors a wrong setting gives.
@Suite("TLS to PostgreSQL", .serialized)
struct TLSTests {
    static func verifyFull(_ url: String) -> String {
        LocalStack.url(url, sslMode: "verify-full", rootCertificate: LocalStack.postgresCAFile)
    }

    /// The password of a `postgresql://user:password@…` URL, to check that no message shows it.
    static func password(_ url: String) -> String { URLComponents(string: url)!.password! }

    @Test("a warehouse connection with verify-full and the CA is encrypted, and libpq verified the certificate")
    func warehouseVerifyFull() throws {
        let env = try TestEnvironment("tlswh")
        defer { env.drop() }
        let connection = try PostgresConnection(ConnectionOptions(url: Self.verifyFull(env.warehouseURL), applicationName: "helio-tls-test"))
        let row = try connection.execute("SELECT ssl::text, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows.first
        #expect(row?[0] == "true", "pg_stat_ssl says the session is not encrypted: \(String(describing: row))")
        #expect(row?[1]?.hasPrefix("TLSv1.") == true)
        #expect(connection.parameter("sslmode") == "verify-full")
        #expect(connection.parameter("sslrootcert") == LocalStack.postgresCAFile)
        // The same server still takes plain connections on loopback (the other tests use them).
        let plain = try PostgresConnection(ConnectionOptions(url: LocalStack.url(env.warehouseURL, sslMode: "disable", rootCertificate: nil)))
        #expect(try plain.execute("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar == "false")
    }

    @Test("capture's replication stream and apply's warehouse writes run over verify-full TLS, end to end")
    func pipelineOverTLS() throws {
        let env = try TestEnvironment("tlspipe")
        defer { env.drop() }
        var config = env.userConfiguration()
        config.sourceURL = Self.verifyFull(config.sourceURL!)
        config.warehouseURL = Self.verifyFull(config.warehouseURL!)
        var workload = RandomWorkload(seed: 3)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env, config: config)
        try env.waitForSlot()
        try workload.run(try env.source(), transactions: 40)
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(20))")

        let admin = try env.source()
        // The walsender that serves the slot: capture's replication connection.
        let walsender = try admin.execute("""
            SELECT s.ssl::text, s.version FROM pg_replication_slots r JOIN pg_stat_ssl s ON s.pid = r.active_pid
            WHERE r.slot_name = $1
            """, [env.name]).rows
        #expect(walsender.count == 1 && walsender.first?[0] == "true", "replication connection: \(walsender)")
        // Every session capture and apply hold on this test's databases.
        let sessions = try admin.execute("""
            SELECT a.application_name, a.backend_type, s.ssl::text, a.usename::text FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.datname IN ($1, $2) AND a.application_name IN ('helio-capture', 'helio-apply')
            ORDER BY 1, 2
            """, ["\(env.name)_src", "\(env.name)_wh"]).rows
        #expect(Set(sessions.compactMap { $0[0] }) == ["helio-capture", "helio-apply"], "\(sessions)")
        #expect(sessions.contains { $0[1] == "walsender" }, "\(sessions)")
        #expect(sessions.allSatisfy { $0[2] == "true" }, "a session is not encrypted: \(sessions)")
        // As users run them: the least-privilege roles of schemas/roles.sql, not the superuser.
        #expect(sessions.allSatisfy { $0[3] == ($0[0] == "helio-capture" ? "helio_capture" : "helio_writer") }, "\(sessions)")
        try pipeline.finish()
    }

    @Test("a CA file that did not sign the server's certificate: a TLS error naming sslmode and sslrootcert, never the password")
    func wrongCertificateAuthority() throws {
        let env = try TestEnvironment("tlsca")
        defer { env.drop() }
        let otherCA = try OtherCertificateAuthority()
        defer { otherCA.remove() }
        let url = LocalStack.url(env.warehouseURL, sslMode: "verify-full", rootCertificate: otherCA.certificate)
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(ConnectionOptions(url: url)) }
        let message = "\(error)"
        #expect(error.kind == .tls, "\(message)")
        #expect(!error.isRetriable)
        #expect(message.contains("certificate verify failed"), "libpq's own words are kept: \(message)")
        #expect(message.contains("sslmode=verify-full") && message.contains("sslrootcert=\(otherCA.certificate)"), "\(message)")
        #expect(message.contains("CA certificate that signed the server's certificate"), "\(message)")
        #expect(!message.contains(Self.password(env.warehouseURL)))

        // Capture stops with the same error instead of retrying a setting that cannot heal.
        var config = env.configuration()
        config.sourceURL = LocalStack.url(env.sourceURL, sslMode: "verify-full", rootCertificate: otherCA.certificate)
        var captureMessage = "no error"
        do {
            try CaptureService(config: config, logger: env.logger).run(shouldStop: { false })
        } catch {
            captureMessage = "\(error)"
        }
        #expect(captureMessage.contains("PostgreSQL tls error") && captureMessage.contains("sslrootcert"), "\(captureMessage)")
        #expect(!captureMessage.contains(Self.password(env.sourceURL)))
    }

    @Test("verify-full without a readable CA file: the advice says to set sslrootcert")
    func missingCertificateAuthority() throws {
        let env = try TestEnvironment("tlsnoca")
        defer { env.drop() }
        let missing = NSTemporaryDirectory() + "helio-no-such-ca-\(env.name).crt"
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(ConnectionOptions(url: LocalStack.url(env.warehouseURL, sslMode: "verify-full", rootCertificate: missing)))
        }
        #expect(error.kind == .tls)
        #expect(error.message.contains(missing), "libpq names the file: \(error)")
        #expect(error.advice?.contains("set sslrootcert") == true, "\(error)")
        #expect(!"\(error)".contains(Self.password(env.warehouseURL)))
    }

    @Test("a host name the certificate was not issued for: a TLS error about the host name, password scrubbed from keyword strings too")
    func hostNameMismatch() throws {
        let env = try TestEnvironment("tlshost")
        defer { env.drop() }
        let parts = URLComponents(string: env.warehouseURL)!
        let password = parts.password!
        // host is what verify-full checks; hostaddr is where libpq really connects.
        let keywords = "host=wrong.example hostaddr=127.0.0.1 port=\(parts.port!) dbname=\(env.name)_wh user=\(parts.user!) "
            + "password=\(password) sslmode=verify-full sslrootcert=\(LocalStack.postgresCAFile)"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(ConnectionOptions(url: keywords)) }
        #expect(error.kind == .tls)
        #expect(error.message.contains("does not match host name \"wrong.example\""), "\(error)")
        #expect(error.advice?.contains("subject alternative names") == true, "\(error)")
        #expect(!"\(error)".contains(password))
        #expect(!ConnectionOptions(url: keywords).description.contains(password))
    }

    @Test("libpq echoes a URL part it cannot decode; Helio scrubs the password out of that message")
    func undecodablePasswordNotEchoed() throws {
        let stack = try LocalStack.fromEnvironment()
        let port = URLComponents(string: stack.warehouseAdminURL)!.port!
        let secret = "hunter2%zz-not-hex"
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection(ConnectionOptions(url: "postgresql://helio_writer:\(secret)@127.0.0.1:\(port)/warehouse"))
        }
        #expect(error.message.contains("invalid percent-encoded token"), "\(error)")
        #expect(!"\(error)".contains(secret) && !"\(error)".contains("hunter2"), "\(error)")
        #expect(error.advice?.contains("percent-encode") == true)
    }
}

/// A throwaway CA made with openssl, unrelated to the one that signed the server's certificate.
struct OtherCertificateAuthority {
    let directory: String
    var certificate: String { directory + "/other-ca.crt" }

    init() throws {
        directory = NSTemporaryDirectory() + "helio-other-ca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                             "-days", "1", "-subj", "/CN=Not the Helio local stack CA",
                             "-keyout", directory + "/other-ca.key", "-out", certificate]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0, FileManager.default.fileExists(atPath: certificate) else {
            throw MissingPrerequisite("openssl (deploy/local/setup installs it)")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// Something a test needs from the machine is missing or broken: the test fails saying what.
struct MissingPrerequisite: Error, CustomStringConvertible {
    var what: String
    init(_ what: String) { self.what = what }
    var description: String { "missing: \(what)" }
}
