import Foundation
import HelioPostgres
import Testing

/// A database of its own for one test, created from `HELIO_SOURCE_ADMIN_URL` with the
/// contract's source tables (`schemas/source.sql`) and dropped afterwards.
final class ScratchDatabase {
    static let environmentVariable = "HELIO_SOURCE_ADMIN_URL"
    nonisolated(unsafe) private static var counter = 0
    private static let lock = NSLock()

    let name: String
    let url: String
    private let adminURL: String

    init() throws {
        adminURL = try #require(
            ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 },
            "\(Self.environmentVariable) is not set: it must name a PostgreSQL server where this test may create databases (postgresql://postgres:…@127.0.0.1:5432/solar; `deploy/local/stack env` prints it)")
        let number = Self.lock.withLock { Self.counter += 1; return Self.counter }
        name = "helio_sim_test_\(getpid())_\(number)"
        url = Self.replacingDatabase(in: adminURL, with: name)
        let admin = try PostgresConnection(ConnectionOptions(url: adminURL, applicationName: "helio-simulator-tests"))
        try admin.execute("DROP DATABASE IF EXISTS \(name)")
        try admin.execute("CREATE DATABASE \(name)")
        let schema = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("schemas/source.sql"), encoding: .utf8)
        try connect().executeScript(schema)
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(ConnectionOptions(url: url, applicationName: "helio-simulator-tests"))
    }

    deinit {
        if let admin = try? PostgresConnection(ConnectionOptions(url: adminURL, applicationName: "helio-simulator-tests")) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The same server and credentials, another database: the path of a URL, or a later
    /// `dbname=` in a keyword/value string (libpq lets the last one win).
    static func replacingDatabase(in url: String, with database: String) -> String {
        guard let scheme = url.range(of: "://") else { return url + " dbname=\(database)" }
        let rest = url[scheme.upperBound...]
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let pathStart = rest[..<queryStart].firstIndex(of: "/") ?? queryStart
        return String(url[..<pathStart]) + "/" + database + String(rest[queryStart...])
    }
}
