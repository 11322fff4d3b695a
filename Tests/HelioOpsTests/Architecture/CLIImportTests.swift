import Foundation
import Testing

/// The CLI prints what the pipeline libraries compute and never talks to PostgreSQL itself
/// (docs/architecture.md, Targets). Package.swift leaves HelioPostgres out of the `helio`
/// target's dependencies, but SwiftPM still lets a target import a module it reaches only
/// through another, so this test is what holds the line.
@Suite("Architecture: the CLI's imports")
struct CLIImportTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// The thin clients and their C modules, which only the libraries may import.
    static let forbidden: Set<String> = ["HelioPostgres", "CLibPQ", "CRdKafka"]

    @Test("no file of Sources/helio imports HelioPostgres or a C module")
    func cliImportsOnlyTheLibraries() throws {
        let directory = Self.root.appendingPathComponent("Sources/helio")
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                // `import HelioPostgres`, `@testable import …`, `import struct HelioPostgres.PostgresError`
                guard let index = words.firstIndex(of: "import"), words[(index + 1)...].contains(where: {
                    Self.forbidden.contains(String($0.split(separator: ".").first ?? ""))
                }) else { continue }
                offenders.append("\(file.lastPathComponent): \(line)")
            }
        }
        #expect(offenders.isEmpty, "the CLI imports a client directly: \(offenders)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("Helio.swift").path))
    }
}
