import Foundation
import HelioJobs
import HelioOps
import HelioServer

/// The status page's data-quality panel for a process that reads the warehouse: each load
/// opens a connection (once a minute: no idle connection held between loads), reads the last
/// day of flags per hour and the oldest held quarantine entry (`QualityFindings`), and closes.
enum QualityPanelLoader {
    static func feed(_ config: HelioConfiguration) -> QualityPanelFeed {
        guard let url = config.warehouseURL else {
            return .unavailable("The data-quality panel needs the warehouse: set warehouse.url (HELIO_WAREHOUSE_URL) for this process.")
        }
        return QualityPanelFeed { try load(url: url, now: Date()) }
    }

    static func load(url: String, now: Date) throws -> QualityPanel {
        let findings = try QualityFindings(url: url, applicationName: "helio-status-quality")
        guard try findings.isMigrated() else { throw NotMigrated() }
        let since = now.addingTimeInterval(-Double(QualityPanel.hours) * 3_600)
        let counts = try findings.perHour(since: since).map {
            QualityPanel.Count(hour: $0.hour, table: $0.table, rule: $0.rule, violations: $0.violations)
        }
        let quarantine: QualityPanel.Quarantine = switch try findings.quarantine() {
        case .absent: .notBuilt
        case .empty: .empty
        case let .oldest(table, rowID, rules, committed, _, held): .oldest(table: table, rowID: rowID, rules: rules, committed: committed, held: held)
        }
        return QualityPanel(asOf: now, counts: counts, quarantine: quarantine)
    }

    /// What the panel says before apply's first start on this warehouse.
    struct NotMigrated: Error, CustomStringConvertible {
        var description: String { "the warehouse has no schema dw yet (apply creates it when it starts)" }
    }
}
