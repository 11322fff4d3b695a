import Foundation
import HelioKafka
import HelioOps
import HelioPostgres
import Logging

/// The services integration tests run against (`deploy/local/stack up` + `stack env`).
/// Missing settings fail the test with the variable's name: under `make test` nothing is
/// skipped silently.
public struct LocalStack: Sendable {
    public var sourceAdminURL: String
    public var warehouseAdminURL: String
    public var captureURL: String
    /// `helio_writer`'s URL (the stack's warehouse database).
    public var writerURL: String
    public var brokers: String

    public struct Missing: Error, CustomStringConvertible {
        public var names: [String]
        public var description: String {
            "integration tests need the local stack: \(names.joined(separator: ", ")) not set — run `make test`, or `deploy/local/stack up` and `eval \"$(deploy/local/stack env)\"`"
        }
    }

    public static func fromEnvironment() throws -> LocalStack {
        let environment = ProcessInfo.processInfo.environment
        let names = ["HELIO_SOURCE_ADMIN_URL", "HELIO_WAREHOUSE_ADMIN_URL", "HELIO_SOURCE_URL", "HELIO_WAREHOUSE_URL", "HELIO_KAFKA_BROKERS"]
        let missing = names.filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty else { throw Missing(names: missing) }
        return LocalStack(sourceAdminURL: environment["HELIO_SOURCE_ADMIN_URL"]!, warehouseAdminURL: environment["HELIO_WAREHOUSE_ADMIN_URL"]!,
                          captureURL: environment["HELIO_SOURCE_URL"]!, writerURL: environment["HELIO_WAREHOUSE_URL"]!,
                          brokers: environment["HELIO_KAFKA_BROKERS"]!)
    }

    /// The repository root (for schemas/ and the built binary).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    public static func schemaFile(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/\(name)"), encoding: .utf8)
    }

    /// The apply functions: schemas/apply/*.sql in their numbered order, as
    /// scripts/embed-warehouse-sql joins them (one empty line between files).
    public static func applyFunctionsSQL() throws -> String {
        let folder = repositoryRoot.appendingPathComponent("schemas/apply")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") && $0.first?.isNumber == true }.sorted()
        return try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
    }

    /// Runs `body` on a connection (as the warehouse's admin) to a database of its own, named
    /// `prefix` plus a random number and dropped afterwards, for tests of the warehouse SQL.
    public func withScratchWarehouse<T>(_ prefix: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        let database = "\(prefix)\(UInt32.random(in: 0..<UInt32.max))"
        let admin = try PostgresConnection(ConnectionOptions(url: warehouseAdminURL, settings: ["client_min_messages": "warning"]))
        try admin.execute("CREATE DATABASE \(database)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        return try body(try PostgresConnection(ConnectionOptions(
            url: Self.url(warehouseAdminURL, database: database), settings: ["client_min_messages": "warning"])))
    }

    /// Replaces the database of a `postgresql://…/db` URL.
    public static func url(_ url: String, database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/\(database)"
        return components.string!
    }
}

/// A throwaway source database, warehouse database and topic prefix for one test, so tests
/// never see each other's data. `drop()` removes the databases and the slot.
public final class TestEnvironment: @unchecked Sendable {
    public let stack: LocalStack
    public let name: String
    public let sourceURL: String
    public let warehouseURL: String
    public let spoolDirectory: String
    public let logger: Logger

    public init(_ label: String) throws {
        stack = try LocalStack.fromEnvironment()
        name = "t\(label.lowercased().filter { $0.isLetter || $0.isNumber })\(UInt32.random(in: 0..<UInt32.max))"
        sourceURL = LocalStack.url(stack.sourceAdminURL, database: "\(name)_src")
        warehouseURL = LocalStack.url(stack.warehouseAdminURL, database: "\(name)_wh")
        spoolDirectory = NSTemporaryDirectory() + "helio-\(name)"
        var logger = Logger(label: "test.\(label)")
        logger.logLevel = ProcessInfo.processInfo.environment["HELIO_TEST_LOG"] == nil ? .warning : .debug
        self.logger = logger
        let admin = try PostgresConnection(ConnectionOptions(url: stack.sourceAdminURL))
        try admin.execute("CREATE DATABASE \(name)_src")
        try admin.execute("CREATE DATABASE \(name)_wh")
        try source().executeScript(LocalStack.schemaFile("source.sql"))
        try provisionRoles()
    }

    /// What an operator does once before Helio runs as its least-privilege roles
    /// (docs/security.md), as `deploy/local/stack` does for `solar` and `warehouse`:
    /// `schemas/roles.sql` on both databases, then, as the tables' owner, the publication
    /// and full old rows for the dimension tables. Tests running as the superuser
    /// (`configuration()`) are not affected by it.
    func provisionRoles() throws {
        try Self.runRolesScript(part: "source", url: sourceURL)
        try Self.runRolesScript(part: "warehouse", url: warehouseURL)
        let tables = HelioConfiguration().tables.joined(separator: ", ")
        try source().executeScript("""
            CREATE PUBLICATION \(name) FOR TABLE \(tables);
            ALTER TABLE public.users REPLICA IDENTITY FULL;
            ALTER TABLE public.units REPLICA IDENTITY FULL;
            ALTER TABLE public.devices REPLICA IDENTITY FULL;
            """)
    }

    /// `psql -v part=… -f schemas/roles.sql` as the superuser. The script also restates the
    /// roles' attributes (ALTER ROLE), which collides with the same statement of a test
    /// running beside this one ("tuple concurrently updated"): such a failure is retried.
    static func runRolesScript(part: String, url: String) throws {
        let bindir = ProcessInfo.processInfo.environment["HELIO_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
        let script = LocalStack.repositoryRoot.appendingPathComponent("schemas/roles.sql").path
        let log = NSTemporaryDirectory() + "helio-roles-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        for attempt in 1...10 {
            let status = try Spawn.run(["\(bindir)/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "part=\(part)", "-d", url, "-f", script],
                                       log: log, allowFailure: true)
            if status == 0 { return }
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            guard output.contains("concurrently"), attempt < 10 else {
                throw Spawn.Failed(command: "psql -v part=\(part) -f schemas/roles.sql", status: status, output: output)
            }
            try? FileManager.default.removeItem(atPath: log)
            usleep(UInt32.random(in: 20_000...200_000))
        }
    }

    public func source() throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-test", settings: ["client_min_messages": "warning"]))
    }

    public func warehouse() throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: warehouseURL, applicationName: "helio-test", settings: ["client_min_messages": "warning"]))
    }

    /// The warehouse as `helio_writer`, for what apply itself would do (e.g. migrating `dw`,
    /// so that its tables belong to the writer as they do when apply makes them).
    public func warehouseAsWriter() throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: userConfiguration().warehouseURL!, applicationName: "helio-test",
                                                 settings: ["client_min_messages": "warning"]))
    }

    /// Configuration for services under test as users run them: this test's databases as
    /// `helio_capture` and `helio_writer` (the roles of `schemas/roles.sql`), slot and topics.
    public func userConfiguration() -> HelioConfiguration {
        var config = configuration()
        config.sourceURL = LocalStack.url(stack.captureURL, database: "\(name)_src")
        config.warehouseURL = LocalStack.url(stack.writerURL, database: "\(name)_wh")
        return config
    }

    /// Configuration for services under test as the superuser: this test's databases, slot
    /// and topics. For tests of what only a table owner or superuser may do (creating the
    /// publication, publishing other tables); others use `userConfiguration()`.
    public func configuration() -> HelioConfiguration {
        var config = HelioConfiguration()
        config.sourceURL = sourceURL
        config.warehouseURL = warehouseURL
        config.kafkaBrokers = stack.brokers
        config.topicPrefix = name
        config.slot = name
        config.publication = name
        config.groupID = "\(name)-apply"
        config.spoolDirectory = spoolDirectory
        config.piiKey = "test-pii-key"
        config.heartbeatIntervalSeconds = 1
        config.statusIntervalSeconds = 1
        config.batchWaitMilliseconds = 100
        return config
    }

    /// Drops the slot (it would pin WAL) and both databases.
    public func drop() {
        // HELIO_TEST_KEEP=1 leaves the databases for a post-mortem (the slot is still dropped).
        let keep = ProcessInfo.processInfo.environment["HELIO_TEST_KEEP"] != nil
        guard let admin = try? PostgresConnection(ConnectionOptions(url: stack.sourceAdminURL, settings: ["client_min_messages": "warning"])) else { return }
        // A walsender whose client was killed can hold the slot for a while (until it notices);
        // after 2 s it is terminated, so that no test leaves a slot pinning WAL behind.
        for attempt in 0..<50 {
            guard let row = (try? admin.execute(
                "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1", [name]))?.rows.first else { break }
            if row[0] == "f" { _ = try? admin.execute("SELECT pg_drop_replication_slot($1)", [name]); continue }
            if attempt >= 20, let pid = row[1] { _ = try? admin.execute("SELECT pg_terminate_backend($1::int)", [pid]) }
            usleep(100_000)
        }
        guard !keep else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name)_src WITH (FORCE)")
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name)_wh WITH (FORCE)")
        try? FileManager.default.removeItem(atPath: spoolDirectory)
    }
}

extension LocalStack {
    /// The CA that signed the local PostgreSQL's server certificate (`deploy/local/stack up`
    /// makes both in .local/tls/; `stack env` exports the path as HELIO_PG_CA_FILE).
    public static var postgresCAFile: String {
        if let path = ProcessInfo.processInfo.environment["HELIO_PG_CA_FILE"], !path.isEmpty { return path }
        return repositoryRoot.appendingPathComponent(".local/tls/ca.crt").path
    }

    /// `url` with `sslmode` and, when given, `sslrootcert` in its query (replacing any there).
    public static func url(_ url: String, sslMode: String, rootCertificate: String?) -> String {
        var components = URLComponents(string: url)!
        var items = (components.queryItems ?? []).filter { $0.name != "sslmode" && $0.name != "sslrootcert" }
        items.append(URLQueryItem(name: "sslmode", value: sslMode))
        if let rootCertificate { items.append(URLQueryItem(name: "sslrootcert", value: rootCertificate)) }
        components.queryItems = items
        return components.string!
    }
}

extension LocalStack {
    /// The local broker's PID, from the file `deploy/local/stack up` wrote: tests that pause the
    /// broker signal only the process the stack started.
    public static func brokerPID() throws -> pid_t {
        let path = repositoryRoot.appendingPathComponent(".local/run/tansu.pid").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Missing(names: ["the broker PID file \(path)"])
        }
        return pid
    }
}

extension LocalStack {
    /// Restarts the stack's PostgreSQL (source and warehouse alike) with the given shutdown
    /// mode: `fast` (clean) or `immediate` (a crash, recovered from WAL at start).
    public static func restartPostgres(mode: String) throws {
        let environment = ProcessInfo.processInfo.environment
        let bindir = environment["HELIO_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
        let data = repositoryRoot.appendingPathComponent(".local/pg").path
        let log = repositoryRoot.appendingPathComponent(".local/log/postgres.log").path
        let status = spawnAndWait(["/usr/sbin/runuser", "-u", "postgres", "--", "\(bindir)/pg_ctl", "-D", data, "-l", log, "-m", mode, "-w", "restart"])
        guard status == 0 else { throw Missing(names: ["a PostgreSQL that restarts (pg_ctl exited \(status))"]) }
    }
}

/// Runs a command with stdio on /dev/null and waits for it with waitpid: Foundation's Process
/// on Linux can miss the exit of a child whose own children outlive it (pg_ctl's server).
func spawnAndWait(_ arguments: [String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for descriptor in [Int32(0), 1, 2] {
        posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xff
}
