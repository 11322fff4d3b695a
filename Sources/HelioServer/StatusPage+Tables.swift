import Foundation
import HelioOps

/// The status page's changes per source table and capture's snapshot progress.
extension StatusPage {
    /// One row per source table: changes capture published and apply applied since start.
    static func tableChanges(_ services: [String: HealthState.Service]) -> String {
        let captured = services["capture"]?.tableChanges ?? [:]
        let applied = services["apply"]?.tableChanges ?? [:]
        let tables = Set(captured.keys).union(applied.keys).sorted()
        guard !tables.isEmpty else { return "<p id=\"tables\">No changes since start.</p>" }
        func cell(_ service: String, _ counts: [String: Double], _ table: String) -> String {
            guard services[service] != nil else { return "<td class=\"number\">—</td>" }
            return "<td class=\"number\" data-\(service)=\"\(escape(table))\">\(format(counts[table] ?? 0))</td>"
        }
        let rows = tables.map { table in
            "<tr id=\"table-\(escape(table))\"><td>\(escape(table))</td>\(cell("capture", captured, table))\(cell("apply", applied, table))</tr>"
        }
        return """
            <table id="tables"><thead><tr><th>table</th><th>captured</th><th>applied</th></tr></thead>
            <tbody>\(rows.joined(separator: "\n"))</tbody></table>
            """
    }

    /// A progress bar while capture's snapshot reads; what it read once it finished.
    static func snapshot(_ services: [String: HealthState.Service]) -> String {
        guard let capture = services["capture"] else { return "<p id=\"snapshot\">Capture is not in this process.</p>" }
        guard let snapshot = capture.snapshot else { return "<p id=\"snapshot\">No snapshot since start.</p>" }
        if snapshot.finished {
            return "<p id=\"snapshot\" class=\"finished\"><progress max=\"1\" value=\"1\"></progress> "
                + "finished: <strong>\(format(Double(snapshot.rows))) rows</strong> read, started \(escape(timestamp(snapshot.started)))</p>"
        }
        let bar = snapshot.fraction.map { "<progress max=\"1\" value=\"\(String(format: "%.3f", $0))\"></progress>" } ?? "<progress></progress>"
        let estimate = snapshot.estimatedRows > 0
            ? " of about \(format(Double(snapshot.estimatedRows))) (\(Int((snapshot.fraction ?? 0) * 100)) %)" : ""
        return "<p id=\"snapshot\" class=\"reading\">\(bar) reading \(escape(snapshot.table)): "
            + "<strong>\(format(Double(snapshot.rows))) rows</strong>\(estimate)</p>"
    }
}
