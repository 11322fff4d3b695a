import Foundation
import Testing

/// docs/consumers.md's compatibility table is built from bench/debezium/known-differences.tsv,
/// the differences of Helio's own form from Debezium that the conformance harness accepts: a
/// difference documented there and missing from the table (or a row for one no longer there)
/// fails here, so the page consumers read follows the harness.
@Suite("Consumers' documentation: the compatibility table")
struct ConsumerDocumentationTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The report field names of known-differences.tsv (first column, comments and header aside).
    static func documentedDifferences() throws -> [String] {
        try String(contentsOf: root.appendingPathComponent("bench/debezium/known-differences.tsv"), encoding: .utf8)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("field\t") }
            .compactMap { $0.split(separator: "\t").first.map(String.init) }
    }

    /// The names in backticks in the first column of the table under "## The two record forms".
    static func tableFields() throws -> [String] {
        let page = try String(contentsOf: root.appendingPathComponent("docs/consumers.md"), encoding: .utf8)
        let section = try #require(page.components(separatedBy: "## The two record forms").dropFirst().first)
        return section.split(separator: "\n")
            .filter { $0.hasPrefix("| `") }
            .compactMap { $0.split(separator: "|").first }
            .flatMap { cell in cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } }
    }

    @Test("every documented difference of Helio's form has its row")
    func everyDifferenceHasARow() throws {
        let fields = Set(try Self.tableFields())
        let differences = try Self.documentedDifferences()
        #expect(differences.count > 40, "read \(differences.count) lines of known-differences.tsv")
        let missing = differences.filter { !fields.contains($0) }
        #expect(missing.isEmpty, "docs/consumers.md's compatibility table has no row naming \(missing.joined(separator: ", "))")
    }

    @Test("every row names a difference the harness documents")
    func noStaleRows() throws {
        let differences = Set(try Self.documentedDifferences())
        let stale = try Self.tableFields().filter { !differences.contains($0) }
        #expect(stale.isEmpty, "docs/consumers.md names \(stale.joined(separator: ", ")), which bench/debezium/known-differences.tsv does not list")
    }
}
