import HelioPostgres

/// Multi-row statements: rows go into one `VALUES (…), (…)` list with typed placeholders,
/// split only when a statement would pass PostgreSQL's limit of 65,535 parameters. One
/// round trip per few thousand rows, never one per row.
struct ValuesBatch {
    /// PostgreSQL types of the columns, for the placeholders' casts (`$1::bigint`).
    let types: [String]
    var maxParameters = 30_000

    /// Runs `prefix + VALUES-list + suffix` for every chunk of `rows`; returns the rows affected.
    @discardableResult
    func execute(_ connection: PostgresConnection, prefix: String, suffix: String = "",
                 rows: [[String?]]) throws -> Int {
        var affected = 0
        try forEachChunk(rows) { sql, parameters in
            affected += try connection.execute(prefix + sql + suffix, parameters).affectedRows ?? 0
        }
        return affected
    }

    /// Like `execute`, for statements with `RETURNING`: the returned rows of every chunk.
    func query(_ connection: PostgresConnection, prefix: String, suffix: String, rows: [[String?]]) throws -> [[String?]] {
        var result: [[String?]] = []
        try forEachChunk(rows) { sql, parameters in
            result += try connection.execute(prefix + sql + suffix, parameters).rows
        }
        return result
    }

    private func forEachChunk(_ rows: [[String?]], _ body: (String, [String?]) throws -> Void) throws {
        guard !rows.isEmpty else { return }
        let perChunk = max(1, maxParameters / max(1, types.count))
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perChunk)]
            var sql = ""
            var parameters: [String?] = []
            parameters.reserveCapacity(chunk.count * types.count)
            for (rowIndex, row) in chunk.enumerated() {
                precondition(row.count == types.count, "a row has \(row.count) values for \(types.count) columns")
                sql += rowIndex == 0 ? "(" : ",("
                for (column, value) in row.enumerated() {
                    parameters.append(value)
                    if column > 0 { sql += "," }
                    sql += "$\(parameters.count)::\(types[column])"
                }
                sql += ")"
            }
            try body(sql, parameters)
            start += chunk.count
        }
    }
}
