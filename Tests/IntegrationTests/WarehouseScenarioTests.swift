import Foundation
import HelioPostgres
import HelioTestSupport
import Testing

/// The set-based warehouse SQL, exercised scenario by scenario (Tests/SQL/*.sql): each runs in
/// a fresh database after the schema files, stages changes, applies them and checks the
/// result with ASSERTs — a failed ASSERT is an error, which fails the test.
@Suite("Warehouse SQL scenarios", .serialized)
struct WarehouseScenarioTests {
    static var scenarios: [String] {
        let folder = LocalStack.repositoryRoot.appendingPathComponent("Tests/SQL")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test("scenario passes", arguments: scenarios)
    func scenario(_ file: String) throws {
        let stack = try LocalStack.fromEnvironment()
        let database = "tsql\(UInt32.random(in: 0..<UInt32.max))"
        let admin = try PostgresConnection(ConnectionOptions(url: stack.warehouseAdminURL, settings: ["client_min_messages": "warning"]))
        try admin.execute("CREATE DATABASE \(database)")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let connection = try PostgresConnection(ConnectionOptions(
            url: LocalStack.url(stack.warehouseAdminURL, database: database), settings: ["client_min_messages": "warning"]))
        try connection.executeScript(LocalStack.schemaFile("warehouse.sql"))
        try connection.executeScript(LocalStack.schemaFile("warehouse-apply.sql"))
        let sql = try String(contentsOf: LocalStack.repositoryRoot.appendingPathComponent("Tests/SQL/\(file)"), encoding: .utf8)
        try connection.executeScript(sql)
    }
}
