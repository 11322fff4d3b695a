import Foundation

/// A Tansu broker of the fault suite's own (memory storage), on its own loopback port: the
/// suite pauses, stops and restarts it, never the shared one. Like the stack's broker, a
/// restart starts it empty — every topic and offset is gone.
public final class TansuBroker: @unchecked Sendable {
    public let port: Int
    /// The port the broker names in its metadata, when clients reach it through another one
    /// (a TLS proxy in front of it); its own port otherwise.
    public var advertisedPort: Int?
    let log: String
    let binary: String
    private(set) var pid: pid_t?

    public init(root: String) throws {
        port = try Spawn.freePort()
        log = "\(root)/tansu.log"
        binary = LocalStack.repositoryRoot.appendingPathComponent(".local/bin/tansu").path
    }

    public var brokers: String { "127.0.0.1:\(port)" }

    public func start() throws {
        let pid = try Spawn.start([binary, "broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                                   "--advertised-listener-url", "tcp://127.0.0.1:\(advertisedPort ?? port)", "--storage-engine", "memory://tansu/"], log: log)
        self.pid = pid
        try eventually("the broker to listen on \(port)", within: 30) {
            if let status = Spawn.poll(pid) { throw Spawn.Failed(command: "tansu", status: status, output: "exited at start; see \(log)") }
            return Spawn.isListening(port)
        }
    }

    /// SIGTERM, then SIGKILL after 2 s (Tansu often takes longer, and with memory storage there
    /// is nothing to save); waits until it is gone.
    public func stop() {
        guard let pid else { return }
        self.pid = nil
        kill(pid, SIGCONT) // a paused broker cannot act on SIGTERM
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            if Spawn.poll(pid) != nil { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        _ = Spawn.wait(pid)
    }

    /// Stopped and started again on the same port: empty, as a memory-only broker comes back.
    public func restart() throws {
        stop()
        try start()
    }

    /// A started broker of a test's own in a new scratch directory (its log is there too);
    /// `discard()` stops it and removes the directory.
    public static func scratch(_ label: String, advertisedPort: Int? = nil) throws -> TansuBroker {
        let root = NSTemporaryDirectory() + "helio-\(label)-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let broker = try TansuBroker(root: root)
        broker.advertisedPort = advertisedPort
        broker.directory = root
        try broker.start()
        return broker
    }

    /// The scratch directory of a broker made by `scratch(_:)`.
    public private(set) var directory: String?

    public func discard() {
        stop()
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    public func pause() { if let pid { kill(pid, SIGSTOP) } }
    public func resume() { if let pid { kill(pid, SIGCONT) } }
}
