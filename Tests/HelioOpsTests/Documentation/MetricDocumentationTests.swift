import Foundation
import Testing

/// docs/operations.md's metric table is checked against the metrics the code registers, so
/// a metric cannot be added or renamed without its row following (and no row outlives its
/// metric).
@Suite("Documentation: metrics")
struct MetricDocumentationTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// Every `label: "helio_…"` under Sources/: the metrics Helio registers.
    static func registered() throws -> Set<String> {
        let sources = root.appendingPathComponent("Sources")
        let regex = try NSRegularExpression(pattern: #"label: "(helio_[a-z_]+)""#)
        var names = Set<String>()
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return names
    }

    /// The names in the first column of docs/operations.md's metric table rows.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"`(helio_[a-z_]+)[`{]"#)
        var names = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| `helio_") {
            let first = String(line.dropFirst(2).prefix { $0 != "|" })
            for match in regex.matches(in: first, range: NSRange(first.startIndex..., in: first)) {
                names.insert(String(first[Range(match.range(at: 1), in: first)!]))
            }
        }
        return names
    }

    @Test("every registered metric has a row in docs/operations.md, and every row a metric")
    func everyMetricDocumented() throws {
        let registered = try Self.registered()
        let documented = try Self.documented()
        #expect(registered.count > 20, "found \(registered.count) metrics under Sources/")
        #expect(registered.subtracting(documented).isEmpty,
                "metrics without a row in docs/operations.md: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty,
                "rows in docs/operations.md for metrics nothing registers: \(documented.subtracting(registered).sorted())")
    }
}
