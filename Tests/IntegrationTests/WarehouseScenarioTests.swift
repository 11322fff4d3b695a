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
        try run(file)
    }

    /// The same scenarios with fact inserts staged typed (`pg_temp.stage_facts`), as helio
    /// apply stages them: Tests/SQL/support/typed_facts.sql moves them there before each
    /// `dw.apply_staged`, so routing, typed deferral and the typed round meet every case.
    @Test("scenario passes with fact inserts staged typed", arguments: scenarios)
    func typedScenario(_ file: String) throws {
        try run(file, preamble: "support/typed_facts.sql")
    }

    private func run(_ file: String, preamble: String? = nil) throws {
        try LocalStack.fromEnvironment().withScratchWarehouse("tsql") { connection in
            try connection.executeScript(LocalStack.schemaFile("warehouse.sql"))
            try connection.executeScript(LocalStack.applyFunctionsSQL())
            for name in [preamble, file].compactMap({ $0 }) {
                try connection.executeScript(try String(
                    contentsOf: LocalStack.repositoryRoot.appendingPathComponent("Tests/SQL/\(name)"), encoding: .utf8))
            }
        }
    }
}
