import Foundation

/// A Kafka broker that clients reach only over mutual TLS: a Tansu broker of the test's own
/// (Tansu serves no TLS itself) behind Debian's stunnel, which terminates TLS with a server
/// certificate from a test CA and refuses clients without a certificate that CA signed. The
/// broker advertises the TLS port, so every connection a client makes after bootstrap goes
/// through stunnel too. Everything lives in one scratch directory; `discard()` removes it.
public final class KafkaTLSBroker: @unchecked Sendable {
    public let tlsPort: Int
    public let directory: String
    let broker: TansuBroker
    private var stunnelPID: pid_t?

    /// Bootstrap servers for clients: the TLS port.
    public var brokers: String { "127.0.0.1:\(tlsPort)" }
    public var caFile: String { "\(directory)/ca.crt" }
    public var clientCertificate: String { "\(directory)/client.crt" }
    public var clientKey: String { "\(directory)/client.key" }
    /// A CA that signed nothing here: a client trusting only it must refuse the server.
    public var otherCAFile: String { "\(directory)/other-ca.crt" }

    /// The stunnel binary (Debian's `stunnel4` package, installed by `deploy/local/setup`).
    public static var stunnel: String? {
        ["/usr/bin/stunnel4", "/usr/bin/stunnel"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ label: String) throws {
        guard let stunnel = Self.stunnel else {
            throw Unavailable(description: "stunnel is not installed: run deploy/local/setup (it installs Debian's stunnel4)")
        }
        tlsPort = try Spawn.freePort()
        broker = try TansuBroker.scratch(label, advertisedPort: tlsPort)
        directory = broker.directory!
        do {
            try makeCertificates()
            try startStunnel(stunnel)
        } catch {
            discard()
            throw error
        }
    }

    /// librdkafka properties for mutual TLS; without `certificate` the client shows none.
    public func clientProperties(certificate: Bool = true, caFile: String? = nil) -> [String: String] {
        var properties = ["security.protocol": "SSL", "ssl.ca.location": caFile ?? self.caFile]
        if certificate {
            properties["ssl.certificate.location"] = clientCertificate
            properties["ssl.key.location"] = clientKey
        }
        return properties
    }

    /// The `HELIO_KAFKA_PROPERTY_*` variables that give a `helio` process these properties.
    public func clientEnvironment(certificate: Bool = true) -> [String: String] {
        var environment: [String: String] = [:]
        for (name, value) in clientProperties(certificate: certificate) {
            environment["HELIO_KAFKA_PROPERTY_" + name.uppercased().replacingOccurrences(of: ".", with: "_")] = value
        }
        return environment
    }

    /// A CA, a server certificate for 127.0.0.1 and localhost and a client certificate, all
    /// signed by it, and a second CA; keys readable by this user only.
    private func makeCertificates() throws {
        let log = "\(directory)/openssl.log"
        func openssl(_ arguments: [String]) throws { try Spawn.run(["/usr/bin/openssl"] + arguments, log: log) }
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=helio test \(ca)",
                         "-keyout", "\(directory)/\(ca).key", "-out", "\(directory)/\(ca).crt"])
        }
        let extensions = "\(directory)/server.ext"
        try "subjectAltName = IP:127.0.0.1, DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        for (name, subject, extra) in [("server", "/CN=127.0.0.1", ["-extfile", extensions]), ("client", "/CN=helio-test-client", [])] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                         "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr"])
            try openssl(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", caFile, "-CAkey", "\(directory)/ca.key",
                         "-CAcreateserial", "-days", "2", "-out", "\(directory)/\(name).crt"] + extra)
        }
    }

    private func startStunnel(_ stunnel: String) throws {
        let configuration = "\(directory)/stunnel.conf"
        try """
            foreground = yes
            pid =
            debug = notice
            [kafka]
            accept = 127.0.0.1:\(tlsPort)
            connect = 127.0.0.1:\(broker.port)
            cert = \(directory)/server.crt
            key = \(directory)/server.key
            CAfile = \(caFile)
            verifyChain = yes
            requireCert = yes

            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let log = "\(directory)/stunnel.log"
        let pid = try Spawn.start([stunnel, configuration], log: log)
        stunnelPID = pid
        try eventually("stunnel to listen on \(tlsPort)", within: 15) {
            if let status = Spawn.poll(pid) {
                throw Spawn.Failed(command: "stunnel", status: status, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            }
            return Spawn.isListening(tlsPort)
        }
    }

    /// stunnel's log: who it refused, and why.
    public var stunnelLog: String { (try? String(contentsOfFile: "\(directory)/stunnel.log", encoding: .utf8)) ?? "" }

    /// Stops stunnel and the broker (both started here, signalled by their own PIDs) and
    /// removes the directory.
    public func discard() {
        if let stunnelPID {
            // SIGKILL: stunnel keeps nothing, and started from the test process it inherits
            // that process's SIGTERM handling (ignored: SIGTERM did not stop it).
            kill(stunnelPID, SIGKILL)
            _ = Spawn.wait(stunnelPID)
            self.stunnelPID = nil
        }
        broker.discard()
    }
}
