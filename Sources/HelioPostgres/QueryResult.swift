/// The rows of a statement, in PostgreSQL's text format.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// The command tag's row count (`UPDATE 3` → 3), when there is one.
    public let affectedRows: Int?

    public init(columns: [String], rows: [[String?]], affectedRows: Int?) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var isEmpty: Bool { rows.isEmpty }

    /// The first column of the first row, the common shape of `SELECT x`.
    public var scalar: String? { rows.first?.first ?? nil }

    public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// Values of one named column across all rows.
    public func values(_ name: String) -> [String?] {
        guard let index = column(name) else { return [] }
        return rows.map { $0[index] }
    }
}
