import HelioPostgres

/// Two warehouses built from the same topics, compared row for row: every table of the
/// contract in schema `a` against the same table in schema `b` (schemas of one database, as
/// `helio rebuild` makes them). Lineage (`source_lsn` of dimensions and climate rows,
/// `source_commit_ts`, `loaded_at`) may differ with the batches and is left out; surrogate
/// keys are replaced by what they stand for (a member's natural key and version, a climate
/// row's unit and day), since they number rows in the order they were created.
public enum WarehouseComparison {
    static let lineage: Set<String> = ["source_commit_ts", "loaded_at"]

    /// The differences, at most `limit` rows each way per table, as "table: only in a: (…)".
    public static func differences(_ connection: PostgresConnection, _ a: String, _ b: String, limit: Int = 5) throws -> [String] {
        var differences: [String] = []
        for table in ["dim_users", "dim_units", "dim_devices", "dim_day_climate", "fact_energy"] {
            let rowsA = try canonical(connection, table: table, schema: a)
            let rowsB = try canonical(connection, table: table, schema: b)
            for (label, left, right) in [(a, rowsA, rowsB), (b, rowsB, rowsA)] {
                let result = try connection.execute("""
                    SELECT r, count(*) OVER () FROM (\(left) EXCEPT ALL \(right)) x(r) ORDER BY r LIMIT \(limit)
                    """)
                for row in result.rows {
                    differences.append("\(table): only in \(label) (\(row[1] ?? "?") rows differ): \(row[0] ?? "null")")
                }
            }
        }
        return differences
    }

    /// A query giving each row of `table` in `schema` as one text value, lineage and
    /// surrogate keys aside.
    static func canonical(_ connection: PostgresConnection, table: String, schema: String) throws -> String {
        let columns = try connection.execute("""
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position
            """, [schema, table]).rows.compactMap { $0[0] }
        let s = quoteIdentifier(schema)
        var kept = columns.filter { !lineage.contains($0) && !$0.hasSuffix("_key") && $0 != "energy_fact_id" }
        if table != "fact_energy" {
            kept.removeAll { $0 == "source_lsn" }   // the ledger's source_lsn is part of an entry's identity
            return "SELECT row(\(kept.map(quoteIdentifier).joined(separator: ", ")))::text FROM \(s).\(table)"
        }
        let references = [
            "(SELECT d.device_id || ' v' || d.version FROM \(s).dim_devices d WHERE d.device_key = f.device_key)",
            "(SELECT u.unit_id || ' v' || u.version FROM \(s).dim_units u WHERE u.unit_key = f.unit_key)",
            "(SELECT u.user_id || ' v' || u.version FROM \(s).dim_users u WHERE u.user_key = f.user_key)",
            "(SELECT c.unit_id || ' ' || c.day FROM \(s).dim_day_climate c WHERE c.day_climate_key = f.day_climate_key)",
        ]
        let fields = kept.map { "f.\(quoteIdentifier($0))" } + references
        return "SELECT row(\(fields.joined(separator: ", ")))::text FROM \(s).fact_energy f"
    }

    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
