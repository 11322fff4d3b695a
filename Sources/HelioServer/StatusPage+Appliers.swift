import Foundation

/// The status page's appliers: one row per member of apply's consumer group, with the
/// partitions it holds and their lag (docs/operations.md, "Lag per applier").
extension StatusPage {
    static func appliers(_ state: PanelState<AppliersPanel>?) -> String {
        switch state {
        case nil:
            return "<p id=\"appliers\">No appliers panel in this process.</p>"
        case .unavailable(let reason):
            return "<p id=\"appliers\" class=\"unavailable\">\(escape(reason))</p>"
        case .loading:
            return "<p id=\"appliers\" class=\"loading\">Reading the group's members and lag…</p>"
        case .failed(let problem):
            return "<p id=\"appliers\" class=\"failed\">The group's members could not be read: \(escape(problem))</p>"
        case .ready(let panel):
            let caption = "group \(escape(panel.group)): \(panel.members.count) seen in the last minute, "
                + "lag ≈ \(format(Double(panel.totalLag))) (as of \(escape(timestamp(panel.asOf))))"
            guard !panel.members.isEmpty else { return "<p id=\"appliers\">No applier of \(caption).</p>" }
            let rows = panel.members.map { member in
                """
                <tr data-member="\(escape(member.name))"><td>\(escape(member.name))</td>\
                <td class="number" data-label="partitions">\(member.partitionCount)</td><td class="detail" data-label="holds">\(escape(member.partitions))</td>\
                <td class="number" data-label="lag" data-lag="\(member.lag)">\(format(Double(member.lag)))</td>\
                <td class="number" data-label="seen">\(member.seenSecondsAgo) s ago</td></tr>
                """
            }
            return """
                <div class="scroll"><table id="appliers"><caption>\(caption)</caption>
                <thead><tr><th>member</th><th>partitions</th><th>holds</th><th>lag</th><th>seen</th></tr></thead>
                <tbody>\(rows.joined(separator: "\n"))</tbody></table></div>
                """
        }
    }
}
