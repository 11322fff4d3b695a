@testable import HelioApply
import Foundation
import Testing

@Suite("Embedded warehouse SQL")
struct WarehouseSQLTests {
    @Test("the binary's migrations are exactly schemas/warehouse.sql, schemas/migrations/*.sql and schemas/apply/*.sql (run scripts/embed-warehouse-sql after editing them)")
    func embeddedCopyIsCurrent() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let tables = try String(contentsOf: root.appendingPathComponent("schemas/warehouse.sql"), encoding: .utf8)
        let folder = root.appendingPathComponent("schemas/apply")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") && $0.first?.isNumber == true }.sorted()
        #expect(files.count >= 10, "\(files)")
        let functions = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
        // A multi-line string literal drops the newline before its closing delimiter.
        #expect(WarehouseSQL.tables + "\n" == tables)
        #expect(WarehouseSQL.functions + "\n" == functions)
        let migrationFolder = root.appendingPathComponent("schemas/migrations")
        let migrationFiles = try FileManager.default.contentsOfDirectory(atPath: migrationFolder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(WarehouseSQL.migrations.map(\.version) == migrationFiles.map { Int($0.prefix(3))! }, "\(migrationFiles)")
        for (file, migration) in zip(migrationFiles, WarehouseSQL.migrations) {
            #expect(migration.sql + "\n" == (try String(contentsOf: migrationFolder.appendingPathComponent(file), encoding: .utf8)), "\(file)")
        }
    }
}
