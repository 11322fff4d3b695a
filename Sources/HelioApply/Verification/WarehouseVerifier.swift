import HelioPostgres

/// Compares the warehouse with the source, as the contract's invariants say it must hold:
/// current dimension members equal the source rows, version chains without gap or overlap,
/// ledger sums per row and per local day equal the source values, climate aggregates equal
/// the source readings, no personal data in clear. `helio verify` and the tests use it.
///
/// Run it when the pipeline has caught up (or on a quiesced source): a change still in
/// flight shows as a difference.
public struct WarehouseVerifier {
    let source: PostgresConnection
    let warehouse: PostgresConnection
    let personalData: PersonalData
    let timezone: String
    let sampleMinutes: Int

    public init(source: PostgresConnection, warehouse: PostgresConnection, piiKey: String, timezone: String, sampleMinutes: Int) {
        self.source = source
        self.warehouse = warehouse
        self.personalData = PersonalData(key: piiKey)
        self.timezone = timezone
        self.sampleMinutes = sampleMinutes
    }

    public struct Difference: CustomStringConvertible, Sendable {
        public var check: String
        public var key: String
        public var detail: String
        public var description: String { "\(check) [\(key)]: \(detail)" }
        public init(check: String, key: String, detail: String) {
            self.check = check
            self.key = key
            self.detail = detail
        }
    }

    /// Every difference found; empty when the warehouse matches the source.
    public func verify() throws -> [Difference] {
        var differences: [Difference] = []
        differences += try dimensionMembers(table: "users", dimension: "dim_users", naturalKey: "user_id")
        differences += try dimensionMembers(table: "units", dimension: "dim_units", naturalKey: "unit_id")
        differences += try dimensionMembers(table: "devices", dimension: "dim_devices", naturalKey: "device_id")
        for (dimension, key) in [("dim_users", "user_id"), ("dim_units", "unit_id"), ("dim_devices", "device_id")] {
            differences += try versionChains(dimension: dimension, naturalKey: key)
        }
        differences += try ledgerPerRow()
        differences += try ledgerPerDay()
        differences += try climate()
        differences += try personalDataInClear()
        return differences
    }

    /// Rows of `sql` keyed by their first column, the other columns by name.
    func keyed(_ connection: PostgresConnection, _ sql: String, _ parameters: [String?] = []) throws -> [String: [String: String?]] {
        let result = try connection.execute(sql, parameters)
        var rows: [String: [String: String?]] = [:]
        for row in result.rows {
            var values: [String: String?] = [:]
            // updateValue, not subscript assignment: a nil value must be stored, not remove the key.
            for (index, column) in result.columns.enumerated().dropFirst() { values.updateValue(row[index], forKey: column) }
            rows[row[0] ?? "null"] = values
        }
        return rows
    }

    func compare(_ check: String, expected: [String: [String: String?]], actual: [String: [String: String?]]) -> [Difference] {
        var differences: [Difference] = []
        for (key, row) in expected.sorted(by: { $0.key < $1.key }) {
            guard let other = actual[key] else {
                differences.append(Difference(check: check, key: key, detail: "missing in the warehouse"))
                continue
            }
            for (column, value) in row.sorted(by: { $0.key < $1.key }) where other[column] != value {
                differences.append(Difference(check: check, key: key,
                    detail: "\(column): source \(value ?? "null"), warehouse \((other[column] ?? nil) ?? "null")"))
            }
        }
        for key in Set(actual.keys).subtracting(expected.keys).sorted() {
            differences.append(Difference(check: check, key: key, detail: "in the warehouse but not in the source"))
        }
        return differences
    }
}
