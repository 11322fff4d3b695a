import Foundation

/// The status page's data-quality panel: flags per hour over the last day (a chart), the
/// rules that flagged most in it (a table) and the oldest change quarantine holds. Severity
/// `warn` stores nothing, so it shows only in `helio_quality_violations_total`.
extension StatusPage {
    static let qualityColour = "#9467bd"

    static func quality(_ state: QualityPanelState?, now: Date) -> String {
        switch state {
        case nil:
            return "<p id=\"quality\">No data-quality panel in this process.</p>"
        case .unavailable(let reason):
            return "<p id=\"quality\" class=\"unavailable\">\(escape(reason))</p>"
        case .loading:
            return "<p id=\"quality\" class=\"loading\">Reading the warehouse's flags…</p>"
        case .failed(let problem):
            return "<p id=\"quality\" class=\"failed\">The warehouse's flags could not be read: \(escape(problem))</p>"
        case .ready(let panel):
            let chart = SVGChart(
                id: "chart-quality", title: "Flags per hour (by source commit time)",
                lines: [SVGChart.Line(label: "this hour so far", points: panel.perHour.map { ChartPoint(time: $0.time, value: $0.value) },
                                      colour: qualityColour)],
                end: panel.perHour.last.map { max($0.time, now.timeIntervalSince1970) } ?? now.timeIntervalSince1970,
                spanSeconds: Double(QualityPanel.hours) * 3_600, format: { format($0) })
            return """
                <div id="quality" class="charts">
                \(chart.render())
                <div>\(qualityRules(panel))
                \(quarantine(panel.quarantine))
                <p><small>as of \(escape(timestamp(panel.asOf))); every rule and day: <code>helio quality report</code></small></p></div>
                </div>
                """
        }
    }

    /// The top rules of the last 24 hours, with how many more there are.
    static func qualityRules(_ panel: QualityPanel) -> String {
        guard !panel.topRules.isEmpty else {
            return "<p id=\"quality-rules\">No flags in the last 24 hours.</p>"
        }
        let rows = panel.topRules.map { rule in
            "<tr data-rule=\"\(escape(rule.rule))\"><td>\(escape(rule.rule))</td><td>\(escape(rule.table))</td>"
                + "<td class=\"number\">\(format(Double(rule.violations)))</td></tr>"
        }
        let more = panel.ruleCount > panel.topRules.count ? "<caption>top \(panel.topRules.count) of \(panel.ruleCount) rules</caption>" : ""
        return """
            <table id="quality-rules">\(more)<thead><tr><th>rule</th><th>table</th><th>flags, 24 h</th></tr></thead>
            <tbody>\(rows.joined(separator: "\n"))</tbody>
            <tfoot><tr><th colspan="2">all rules</th><td class="number" id="quality-total">\(format(Double(panel.total)))</td></tr></tfoot></table>
            """
    }

    static func quarantine(_ quarantine: QualityPanel.Quarantine) -> String {
        switch quarantine {
        case .notBuilt:
            return "<p id=\"quality-quarantine\" class=\"absent\">No quarantine in this warehouse.</p>"
        case .empty:
            return "<p id=\"quality-quarantine\" class=\"empty\">Quarantine holds nothing.</p>"
        case let .oldest(table, rowID, rules, committed, held):
            return "<p id=\"quality-quarantine\" class=\"held\">Quarantine holds <strong>\(format(Double(held)))</strong> "
                + "change\(held == 1 ? "" : "s"); the oldest: \(escape(table)) row \(escape(rowID)), committed \(escape(committed)), "
                + "failed \(escape(rules)) (<code>helio quality held</code>)</p>"
        }
    }
}
