import Foundation
import HelioOps
import HelioPostgres

/// The fault suite's own services: a source PostgreSQL, a warehouse PostgreSQL and a Tansu
/// broker, each a process this suite started, so that pausing, killing or restarting them
/// touches nothing shared. Provisioned like `deploy/local/stack`: the contract's source
/// schema, the least-privilege roles of `schemas/roles.sql`, publication `helio`, full old
/// rows for the dimension tables.
public final class FaultStack: @unchecked Sendable {
    public let root: String
    /// The source's primary now; `failover()` swaps it with `standby`.
    public var source: PostgresCluster { lock.withLock { clusters.primary } }
    /// The source's streaming physical standby (`pg_basebackup -R`).
    public var standby: PostgresCluster { lock.withLock { clusters.standby } }
    private var clusters: (primary: PostgresCluster, standby: PostgresCluster)
    private let lock = NSLock()
    /// Both source clusters' ports, in a fixed order: capture's multi-host URL names them all.
    let sourcePorts: [Int]
    public let warehouse: PostgresCluster
    public let broker: TansuBroker
    public let capturePassword: String
    public let writerPassword: String
    /// A tmpfs mounted by the suite, to unmount at the end.
    var mounts: [String] = []

    public static let sourceDatabase = "solar"
    public static let warehouseDatabase = "warehouse"
    public static let publication = "helio"
    static let tables = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    public init() throws {
        root = "/tmp/helio-faults-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // postgres must traverse the root to reach its data directories.
        try Spawn.run(["/bin/chmod", "755", root], log: "/dev/null")
        let primary = try PostgresCluster(name: "source", root: root)
        let standby = try primary.standby(named: "source-b")
        clusters = (primary, standby)
        sourcePorts = [primary.port, standby.port]
        warehouse = try PostgresCluster(name: "warehouse", root: root)
        broker = try TansuBroker(root: root)
        capturePassword = Self.secret()
        writerPassword = Self.secret()
    }

    static func secret() -> String { (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }

    public func start() throws {
        try source.create()
        try warehouse.create()
        try broker.start()
        let roles = try LocalStack.schemaFile("roles.sql")
        try source.psql(database: "postgres", "CREATE DATABASE \(Self.sourceDatabase);")
        try source.psql(database: Self.sourceDatabase, LocalStack.schemaFile("source.sql"))
        try source.psql(database: Self.sourceDatabase, roles, variables: ["part": "source"])
        try source.psql(database: Self.sourceDatabase, """
            CREATE PUBLICATION \(Self.publication) FOR TABLE \(Self.tables.map { "public.\($0)" }.joined(separator: ", "));
            ALTER TABLE public.users REPLICA IDENTITY FULL;
            ALTER TABLE public.units REPLICA IDENTITY FULL;
            ALTER TABLE public.devices REPLICA IDENTITY FULL;
            ALTER ROLE helio_capture PASSWORD '\(capturePassword)';
            """)
        try warehouse.psql(database: "postgres", "CREATE DATABASE \(Self.warehouseDatabase);")
        try warehouse.psql(database: Self.warehouseDatabase, roles, variables: ["part": "warehouse"])
        try warehouse.psql(database: Self.warehouseDatabase, "ALTER ROLE helio_writer PASSWORD '\(writerPassword)';")
        try standby.replicate(from: source)
    }

    /// The primary dies (`-m immediate`, as when its machine does) and the standby is promoted:
    /// from here on `source` is the promoted one. `rebuildStandby` makes the old one its standby.
    /// `startingStandby`: the standby was stopped (to make it miss WAL) and starts only now,
    /// when there is no primary left to catch up from.
    public func failover(startingStandby: Bool = false) throws {
        try source.stop(mode: "immediate")
        if startingStandby { try standby.start() }
        try standby.promote()
        lock.withLock { clusters = (clusters.standby, clusters.primary) }
    }

    /// The old primary, wiped, becomes the new primary's streaming standby (same port).
    public func rebuildStandby() throws {
        try standby.discardData()
        try standby.replicate(from: source)
    }

    /// Stops everything this stack started and deletes its files (unless HELIO_TEST_KEEP is set).
    public func stop() {
        broker.stop()
        source.stop()
        standby.stop()
        warehouse.stop()
        for mount in mounts { _ = try? Spawn.run(["/bin/umount", "-l", mount], log: "/dev/null", allowFailure: true) }
        if ProcessInfo.processInfo.environment["HELIO_TEST_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Both source clusters, the writable one chosen by libpq: capture follows a failover.
    public var captureURL: String {
        let hosts = sourcePorts.map { "127.0.0.1:\($0)" }.joined(separator: ",")
        return "postgresql://helio_capture:\(capturePassword)@\(hosts)/\(Self.sourceDatabase)?target_session_attrs=read-write"
    }
    public var writerURL: String { warehouse.url(user: "helio_writer", password: writerPassword, database: Self.warehouseDatabase) }

    public func sourceAdmin() throws -> PostgresConnection { try source.admin(Self.sourceDatabase) }
    public func warehouseAdmin() throws -> PostgresConnection { try warehouse.admin(Self.warehouseDatabase) }

    /// The pipeline's configuration: least-privilege roles, this stack's broker, small batches
    /// (so that kills land inside them) and a small decoding memory (so that large
    /// transactions stream through the spool).
    public func configuration(batchSize: Int) -> HelioConfiguration {
        var config = HelioConfiguration()
        config.sourceURL = captureURL
        config.warehouseURL = writerURL
        config.kafkaBrokers = broker.brokers
        config.topicPrefix = "faults"
        config.slot = "helio_faults"
        config.publication = Self.publication
        config.groupID = "helio-faults-apply"
        config.spoolDirectory = "\(root)/spool"
        config.piiKey = "fault-suite-pii-key"
        config.heartbeatIntervalSeconds = 1
        config.statusIntervalSeconds = 1
        config.batchWaitMilliseconds = 100
        config.batchSize = batchSize
        config.decodingWorkMem = "256kB"
        return config
    }

    /// Mounts a tmpfs of `megabytes` at `path`; false when this machine does not allow it.
    func mountTmpfs(_ path: String, megabytes: Int) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard (try? Spawn.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], log: "\(root)/mount.log",
                              allowFailure: true)) == 0 else { return false }
        mounts.append(path)
        return true
    }

    func resizeTmpfs(_ path: String, megabytes: Int) throws {
        try Spawn.run(["/bin/mount", "-o", "remount,size=\(megabytes)m", path], log: "\(root)/mount.log")
    }
}
