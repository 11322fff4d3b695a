import Foundation
import HelioPostgres

/// A PostgreSQL 15 cluster of the fault suite's own, on its own loopback port: restarting it
/// (fast or immediate) disturbs nobody else on the machine. Made like `deploy/local/stack`
/// makes the shared one: initdb as the postgres user, logical WAL, SCRAM over TCP.
public final class PostgresCluster: @unchecked Sendable {
    public let name: String
    public let port: Int
    public let superuserPassword: String
    let data: String
    let socketDirectory: String
    let log: String
    let toolLog: String
    let bindir: String
    let root: String

    /// `root` must be a directory the postgres user may traverse (under /tmp, say).
    public convenience init(name: String, root: String) throws {
        try self.init(name: name, root: root, superuserPassword: (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined())
    }

    init(name: String, root: String, superuserPassword: String) throws {
        self.name = name
        self.root = root
        port = try Spawn.freePort()
        self.superuserPassword = superuserPassword
        data = "\(root)/\(name)"
        socketDirectory = "\(root)/\(name)-run"
        log = "\(root)/\(name).log"
        toolLog = "\(root)/\(name)-tools.log"
        bindir = ProcessInfo.processInfo.environment["HELIO_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
    }

    /// initdb, settings and start; the superuser gets a password for TCP connections.
    public func create() throws {
        for directory in [data, socketDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Spawn.run(["/bin/chown", "postgres:", directory], log: toolLog)
        }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        try Spawn.run(["/bin/chown", "postgres:", log], log: toolLog)
        try asPostgres(["\(bindir)/initdb", "-D", data, "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8",
                        "--auth-local=peer", "--auth-host=scram-sha-256", "--no-sync"])
        let settings = """
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(socketDirectory)'
            wal_level = logical
            max_replication_slots = 16
            max_wal_senders = 16
            max_connections = 100
            password_encryption = 'scram-sha-256'
            """
        try appendAsRoot("\(data)/postgresql.conf", "\n" + settings + "\n")
        try writeAsRoot("\(data)/pg_hba.conf", """
            local   all          postgres                 peer
            host    all          all       127.0.0.1/32   scram-sha-256
            host    replication  all       127.0.0.1/32   scram-sha-256

            """)
        try start()
        try psql(database: "postgres", "ALTER ROLE postgres PASSWORD '\(superuserPassword)';")
    }

    /// A cluster to become this one's physical standby (`replicate(from:)`), beside it under the
    /// same root; its port is chosen now, so a multi-host URL can name it before it exists. It
    /// shares the primary's roles, so the superuser password too.
    public func standby(named standbyName: String) throws -> PostgresCluster {
        try PostgresCluster(name: standbyName, root: root, superuserPassword: superuserPassword)
    }

    /// Makes this cluster a streaming standby of `primary` and starts it: `pg_basebackup -R`
    /// (recovery settings written, WAL streamed during the copy) with a physical slot on the
    /// primary, so it keeps the WAL a stopped standby still needs.
    public func replicate(from primary: PostgresCluster) throws {
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try Spawn.run(["/bin/chown", "postgres:", socketDirectory], log: toolLog)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Spawn.run(["/bin/chown", "postgres:", data], log: toolLog)
        try Spawn.run(["/bin/chmod", "700", data], log: toolLog)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        try Spawn.run(["/bin/chown", "postgres:", log], log: toolLog)
        try asPostgres(["PGPASSWORD=\(primary.superuserPassword)", "\(bindir)/pg_basebackup", "-D", data, "-h", "127.0.0.1",
                        "-p", "\(primary.port)", "-U", "postgres", "-R", "-X", "stream", "-C", "-S", physicalSlot, "-c", "fast", "--no-sync"])
        // The copy carries the primary's port and socket directory; later lines win.
        try appendAsRoot("\(data)/postgresql.conf", "\nport = \(port)\nunix_socket_directories = '\(socketDirectory)'\n")
        try start()
    }

    /// Deletes the (stopped) cluster's data directory, so that `replicate(from:)` can make it again.
    public func discardData() throws {
        stop()
        try Spawn.run(["/bin/rm", "-rf", data], log: toolLog)
    }

    /// The standby's physical slot on its primary (slot names take lowercase letters, digits and `_`).
    var physicalSlot: String { name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() }

    /// Ends recovery: the standby becomes a primary on a new timeline (`pg_ctl promote`).
    public func promote() throws {
        try asPostgres(["\(bindir)/pg_ctl", "-D", data, "-w", "-t", "120", "promote"])
    }

    /// Waits until this standby has replayed everything `primary` has written so far.
    public func waitForReplay(of primary: PostgresCluster, within seconds: Double = 60) throws {
        let target = try primary.admin("postgres").execute("SELECT pg_current_wal_lsn()::text").scalar ?? "0/0"
        try eventually("\(name) to replay up to \(target)", within: seconds) {
            let replayed = try self.admin("postgres").execute("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", [target]).scalar
            return replayed == "t"
        }
    }

    public func start() throws {
        try asPostgres(["\(bindir)/pg_ctl", "-D", data, "-l", log, "-w", "-t", "120", "start"])
    }

    /// `fast` (clean: sessions end, a checkpoint) or `immediate` (a crash, recovered from WAL).
    public func restart(mode: String) throws {
        try asPostgres(["\(bindir)/pg_ctl", "-D", data, "-l", log, "-m", mode, "-w", "-t", "120", "restart"])
    }

    public func stop() {
        _ = try? asPostgres(["\(bindir)/pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "60", "stop"], allowFailure: true)
    }

    /// `fast` (clean) or `immediate` (as if the machine died); throws when it does not stop.
    public func stop(mode: String) throws {
        try asPostgres(["\(bindir)/pg_ctl", "-D", data, "-m", mode, "-w", "-t", "60", "stop"])
    }

    /// Runs a psql script as the superuser over the socket; `variables` become `-v name=value`.
    public func psql(database: String, _ script: String, variables: [String: String] = [:]) throws {
        let file = "\(socketDirectory)-script-\(UInt32.random(in: 0..<UInt32.max)).sql"
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        try asPostgres(["\(bindir)/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", "postgres",
                        "-d", database] + variables.flatMap { ["-v", "\($0.key)=\($0.value)"] }, input: file)
    }

    public func url(user: String, password: String, database: String) -> String {
        "postgresql://\(user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    public func adminURL(_ database: String) -> String { url(user: "postgres", password: superuserPassword, database: database) }

    public func admin(_ database: String) throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: adminURL(database), applicationName: "helio-faults",
                                                 settings: ["client_min_messages": "warning"]))
    }

    /// Waits until the server accepts connections again (after a restart).
    public func waitUntilReady(within seconds: Double = 60) throws {
        try eventually("\(name) to accept connections", within: seconds) { (try? admin("postgres")) != nil }
    }

    @discardableResult
    func asPostgres(_ arguments: [String], input: String? = nil, allowFailure: Bool = false) throws -> Int32 {
        // From /, so that postgres needs no access to the working directory.
        try Spawn.run(["/usr/sbin/runuser", "-u", "postgres", "--", "/usr/bin/env", "-C", "/"] + arguments, input: input, log: toolLog,
                      allowFailure: allowFailure)
    }

    private func writeAsRoot(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try Spawn.run(["/bin/chown", "postgres:", path], log: toolLog)
    }

    private func appendAsRoot(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
