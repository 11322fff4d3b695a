import Foundation
import HelioApply
import HelioOps
import HelioPostgres
import Logging

/// The seed's backup verification, monthly: the warehouse is rebuilt from the topics into a
/// shadow schema (`dw_shadow`, apply into another schema with its own positions, as `helio
/// rebuild` does) and compared with the live one (`dw.compare_with_shadow`: ledger sums per
/// fact row, current dimension members, the climate; only what both have seen). A difference
/// raises a warning naming the first rows and keeps the shadow for inspection; none drops it
/// and resolves the alert. It proves the topics still rebuild the warehouse (retention,
/// compaction, a broker restore) and that the live warehouse has not drifted from them.
public struct ShadowRebuildCheck: Sendable {
    public static let check = "shadow_rebuild"
    public static let schemaName = "dw_shadow"

    let config: HelioConfiguration
    let idleSeconds: Double
    let alerts: AlertSink

    public init(config: HelioConfiguration, idleSeconds: Double = 15, alerts: AlertSink) {
        self.config = config
        self.idleSeconds = idleSeconds
        self.alerts = alerts
    }

    public struct Difference: Sendable, CustomStringConvertible {
        public let check: String
        public let key: String
        public let detail: String
        public var description: String { "\(check) [\(key)]: \(detail)" }
    }

    /// Rebuilds the shadow and compares; returns the differences (the shadow is dropped when
    /// there are none). Nil when stopped before the rebuild caught up.
    public func rebuildAndCompare(logger: Logger, shouldStop: @escaping @Sendable () -> Bool) throws -> [Difference]? {
        let url = try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL")
        let connection = try PostgresConnection(ConnectionOptions(url: url, applicationName: "helio-shadow-rebuild"))
        let shadow = try WarehouseSchema(Self.schemaName)
        try connection.execute("DROP SCHEMA IF EXISTS \(connection.quoteIdentifier(shadow.name)) CASCADE")
        var shadowConfig = config
        shadowConfig.groupID = WarehouseRebuild.groupID(live: config.groupID, schema: shadow)
        let service = ApplyService(config: shadowConfig, logger: logger, schema: shadow)
        try service.run(shouldStop: shouldStop, stopWhenIdleSeconds: idleSeconds)
        guard !shouldStop() else { return nil }
        let differences = try connection.execute("SELECT check_name, key, detail FROM dw.compare_with_shadow($1)", [shadow.name]).rows.map {
            Difference(check: $0[0] ?? "", key: $0[1] ?? "", detail: $0[2] ?? "")
        }
        if differences.isEmpty {
            try connection.execute("DROP SCHEMA IF EXISTS \(connection.quoteIdentifier(shadow.name)) CASCADE")
        }
        logger.info("shadow rebuild compared", metadata: ["records": "\(service.metrics.applied)", "differences": "\(differences.count)"])
        return differences
    }

    public func run(_ context: JobContext) throws {
        guard let differences = try rebuildAndCompare(logger: context.logger, shouldStop: context.shouldStop) else { return }
        guard !differences.isEmpty else {
            alerts.resolve(check: Self.check, summary: "the warehouse rebuilt from the topics equals the live one",
                           shouldStop: context.shouldStop)
            return
        }
        let checks = Set(differences.map(\.check)).sorted()
        alerts.raise(Alert(check: Self.check, severity: .warning,
                           summary: "the warehouse rebuilt from the topics differs from the live one in \(differences.count) places",
                           details: differences.prefix(20).map(\.description)
                               + ["the shadow is kept as schema \(Self.schemaName) for inspection; see docs/operations.md, 'Data quality'"],
                           keys: checks, fingerprint: "\(Self.check):\(checks.joined(separator: ","))"),
                     shouldStop: context.shouldStop)
    }
}
