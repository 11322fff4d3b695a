import Foundation
import HelioApply
import HelioPostgres

/// Checks the warehouse against the source with the contract's invariants once the pipeline
/// has caught up: `WarehouseVerifier` (what `helio verify` and the integration tests use),
/// sorted into changes lost and invariant violations, plus a count of duplicate rows.
///
/// - changes lost: source rows whose current state the warehouse does not show — members
///   missing, different or still live after a delete; ledger sums per source row that differ;
///   climate aggregates that differ (a missing or extra reading).
/// - invariant violations: version chains with gaps, overlaps or not one current version;
///   personal data in clear; ledger sums per local day that differ.
/// - duplicate rows: one source change applied twice — two dimension versions from the same
///   source position, two ledger entries of one change, a source row counted twice in the
///   ledger (more originals than reversals plus one).
public enum WarehouseAudit {
    public struct Result: Sendable {
        public var label: String
        public var changesLost = 0
        public var invariantViolations = 0
        public var duplicateRows = 0
        public var details: [String] = []
        /// Seconds the warehouse needed to equal the source after the workload paused.
        public var catchUpSeconds: Double?
    }

    static let changeChecks = ["members", "sums per energy row", "sums per compensation row", "dim_day_climate"]

    /// Waits (up to `seconds`) until the verifier finds no difference, then audits.
    /// `source`: the cluster that is the source now (a promoted standby after a failover); the stack's by default.
    public static func run(_ label: String, stack: FaultStack, source: PostgresCluster? = nil, piiKey: String, timezone: String,
                           sampleMinutes: Int, within seconds: Double, whileWaiting: () -> Void = {}) throws -> Result {
        var result = Result(label: label)
        let started = Date()
        var differences: [WarehouseVerifier.Difference] = []
        let deadline = started.addingTimeInterval(seconds)
        repeat {
            whileWaiting()
            do {
                let verifier = WarehouseVerifier(source: try (source ?? stack.source).admin(FaultStack.sourceDatabase), warehouse: try stack.warehouseAdmin(), piiKey: piiKey,
                                                 timezone: timezone, sampleMinutes: sampleMinutes)
                differences = try verifier.verify()
            } catch {
                differences = [WarehouseVerifier.Difference(check: "verify", key: "-", detail: "\(error)")]
            }
            if differences.isEmpty { result.catchUpSeconds = Date().timeIntervalSince(started); break }
            usleep(500_000)
        } while Date() < deadline
        for difference in differences {
            if changeChecks.contains(where: { difference.check.hasSuffix($0) }) || difference.check == "verify" {
                result.changesLost += 1
            } else {
                result.invariantViolations += 1
            }
        }
        result.details = differences.map(\.description)
        let duplicates = try duplicateRows(try stack.warehouseAdmin())
        result.duplicateRows = duplicates.reduce(0) { $0 + $1.count }
        result.details += duplicates.filter { $0.count > 0 }.map { "duplicates: \($0.what): \($0.count)" }
        return result
    }

    static func duplicateRows(_ warehouse: PostgresConnection) throws -> [(what: String, count: Int)] {
        var found: [(String, Int)] = []
        for (dimension, key) in [("dim_users", "user_id"), ("dim_units", "unit_id"), ("dim_devices", "device_id")] {
            found.append(("\(dimension) versions from one source position", try count(warehouse, """
                SELECT coalesce(sum(n - 1), 0) FROM (
                    SELECT count(*) AS n FROM dw.\(dimension) WHERE source_lsn IS NOT NULL GROUP BY \(key), source_lsn HAVING count(*) > 1) d
                """)))
        }
        found.append(("fact_energy entries of one change", try count(warehouse, """
            SELECT coalesce(sum(n - 1), 0) FROM (
                SELECT count(*) AS n FROM dw.fact_energy GROUP BY source_table, source_id, source_lsn, entry_kind HAVING count(*) > 1) d
            """)))
        found.append(("fact_energy source rows counted twice", try count(warehouse, """
            SELECT count(*) FROM (
                SELECT source_table, source_id FROM dw.fact_energy GROUP BY source_table, source_id
                HAVING count(*) FILTER (WHERE entry_kind = 'original') - count(*) FILTER (WHERE entry_kind = 'reversal') NOT IN (0, 1)) d
            """)))
        return found
    }

    static func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        Int(try connection.execute(sql).scalar ?? "0") ?? 0
    }
}
