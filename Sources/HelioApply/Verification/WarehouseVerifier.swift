import Foundation
import HelioPostgres
import Synchronization

/// Compares the warehouse with the source, as the contract's invariants say it must hold:
/// current dimension members equal the source rows, version chains without gap or overlap,
/// ledger sums per row and per local day equal the source values, climate aggregates equal
/// the source readings and every unit-day a reading reached keeps its row, no personal data
/// in clear. `helio verify` and the tests use it.
///
/// Run it when the pipeline has caught up (or on a quiesced source): a change still in
/// flight shows as a difference.
///
/// Given two connection pools, the checks run side by side (as many at once as the smaller
/// pool has connections); given two connections, one after the other. The differences come
/// out in the same order either way.
public struct WarehouseVerifier: Sendable {
    let source: VerifierDatabase
    let warehouse: VerifierDatabase
    let personalData: PersonalData
    let timezone: String
    let sampleMinutes: Int

    public init(source: PostgresConnection, warehouse: PostgresConnection, piiKey: String, timezone: String, sampleMinutes: Int) {
        self.init(source: .connection(source), warehouse: .connection(warehouse), piiKey: piiKey, timezone: timezone, sampleMinutes: sampleMinutes)
    }

    public init(source: ConnectionPool, warehouse: ConnectionPool, piiKey: String, timezone: String, sampleMinutes: Int) {
        self.init(source: .pool(source), warehouse: .pool(warehouse), piiKey: piiKey, timezone: timezone, sampleMinutes: sampleMinutes)
    }

    public init(source: VerifierDatabase, warehouse: VerifierDatabase, piiKey: String, timezone: String, sampleMinutes: Int) {
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
    /// `progress` hears the checks done so far and their number, as each one ends (from the
    /// thread that ran it), for `helio verify`'s progress bar.
    public func verify(progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> [Difference] {
        var checks: [@Sendable () throws -> [Difference]] = [
            { try dimensionMembers(table: "users", dimension: "dim_users", naturalKey: "user_id") },
            { try dimensionMembers(table: "units", dimension: "dim_units", naturalKey: "unit_id") },
            { try dimensionMembers(table: "devices", dimension: "dim_devices", naturalKey: "device_id") },
        ]
        for (dimension, key) in [("dim_users", "user_id"), ("dim_units", "unit_id"), ("dim_devices", "device_id")] {
            checks.append { try versionChains(dimension: dimension, naturalKey: key) }
        }
        checks += [{ try ledgerPerRow() }, { try ledgerPerDay() }, { try climate() }, { try climateRowsKept() },
                   { try personalDataInClear() }]
        if let progress {
            let done = CheckCount()
            let total = checks.count
            progress(0, total)
            checks = checks.map { check in
                { defer { progress(done.increment(), total) }; return try check() }
            }
        }
        return try Self.run(checks, concurrency: min(source.concurrency, warehouse.concurrency)).flatMap { $0 }
    }

    /// Runs `checks` on up to `concurrency` threads; results in the checks' order, the first
    /// failure (in that order) rethrown.
    static func run(_ checks: [@Sendable () throws -> [Difference]], concurrency: Int) throws -> [[Difference]] {
        guard concurrency > 1, checks.count > 1 else { return try checks.map { try $0() } }
        let next = Mutex(0)
        let results = Mutex([Result<[Difference], any Error>?](repeating: nil, count: checks.count))
        let group = DispatchGroup()
        for _ in 0..<min(concurrency, checks.count) {
            group.enter()
            let worker = Thread {
                defer { group.leave() }
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < checks.count else { return }
                    let result = Result { try checks[index]() }
                    results.withLock { $0[index] = result }
                }
            }
            worker.name = "helio-verify"
            worker.start()
        }
        group.wait()
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    /// Rows of `sql` keyed by their first column, the other columns by name.
    func keyed(_ database: VerifierDatabase, _ sql: String, _ parameters: [String?] = []) throws -> [String: [String: String?]] {
        let result = try database.execute(sql, parameters)
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

/// Checks finished so far, counted from the threads that run them.
private final class CheckCount: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
