import Foundation

/// Debezium's table filters (`table.include.list`, `table.exclude.list`, `schema.include.list`,
/// `schema.exclude.list`): comma-separated regular expressions, each matched against the whole
/// identifier (`schema.table`, or the schema name), ignoring case, as Debezium's
/// `Predicates.includes` does. No list at all selects every table outside the system schemas.
/// A selection is resolved against the source's catalog once, when capture starts
/// (`TableSelectionResolver` in HelioCapture), into `capture.tables`.
public struct TableSelection: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        case include([String])
        case exclude([String])
    }

    public var tables: Rule?
    public var schemas: Rule?

    public init(tables: Rule? = nil, schemas: Rule? = nil) {
        self.tables = tables
        self.schemas = schemas
    }

    /// Whether a table is selected. Patterns were checked to compile when the selection was made.
    public func selects(schema: String, table: String) -> Bool {
        Self.passes(schemas, schema) && Self.passes(tables, "\(schema).\(table)")
    }

    /// The selected tables among `candidates` (`schema.table`), in the order given.
    public func select(_ candidates: [(schema: String, table: String)]) -> [String] {
        candidates.filter { selects(schema: $0.schema, table: $0.table) }.map { "\($0.schema).\($0.table)" }
    }

    /// How `config check` shows it: the lists as the file wrote them.
    public var description: String {
        var parts: [String] = []
        if let schemas { parts.append(Self.describe(schemas, "schema")) }
        if let tables { parts.append(Self.describe(tables, "table")) }
        return (parts.isEmpty ? "every table" : "tables of " + parts.joined(separator: " and ")) + " (resolved when capture starts)"
    }

    static func describe(_ rule: Rule, _ kind: String) -> String {
        switch rule {
        case .include(let patterns): "\(kind).include.list=\(patterns.joined(separator: ","))"
        case .exclude(let patterns): "\(kind).exclude.list=\(patterns.joined(separator: ","))"
        }
    }

    static func passes(_ rule: Rule?, _ identifier: String) -> Bool {
        switch rule {
        case nil: true
        case .include(let patterns)?: patterns.contains { matches($0, identifier) }
        case .exclude(let patterns)?: !patterns.contains { matches($0, identifier) }
        }
    }

    static func matches(_ pattern: String, _ identifier: String) -> Bool {
        guard let expression = compile(pattern) else { return false }
        let range = NSRange(identifier.startIndex..., in: identifier)
        return expression.firstMatch(in: identifier, options: [.anchored], range: range)?.range == range
    }

    /// The pattern anchored at both ends (Java's `Matcher.matches`), ignoring case.
    static func compile(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive])
    }

    /// Debezium's list syntax: items separated by commas, `\,` a comma inside an item, spaces
    /// around items ignored.
    public static func patterns(_ list: String) -> [String] {
        var items: [String] = []
        var current = ""
        var characters = list.makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                guard let next = characters.next() else { current.append(character); break }
                if next == "," { current.append(",") } else { current.append(character); current.append(next) }
            } else if character == "," {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
