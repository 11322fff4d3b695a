@testable import HelioApply
import Foundation
import Testing

@Suite("Embedded warehouse SQL")
struct WarehouseSQLTests {
    @Test("the binary's migrations are exactly schemas/warehouse*.sql (run scripts/embed-warehouse-sql after editing them)")
    func embeddedCopyIsCurrent() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let tables = try String(contentsOf: root.appendingPathComponent("schemas/warehouse.sql"), encoding: .utf8)
        let functions = try String(contentsOf: root.appendingPathComponent("schemas/warehouse-apply.sql"), encoding: .utf8)
        // A multi-line string literal drops the newline before its closing delimiter.
        #expect(WarehouseSQL.tables + "\n" == tables)
        #expect(WarehouseSQL.functions + "\n" == functions)
    }
}
