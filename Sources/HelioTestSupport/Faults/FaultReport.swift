import Foundation

/// What a fault run found: per fault, how often it was injected and survived and how long
/// recovery took; then the warehouse audit. `rendered` is the table the suite prints and
/// docs/reliability.md records.
public struct FaultReport: Sendable {
    public struct Injection: Sendable {
        public var fault: String
        public var survived: Bool
        /// Seconds from the moment the fault was lifted until a change committed after it was
        /// in the warehouse; nil when that did not happen in time (or the fault stops nothing).
        public var recoverySeconds: Double?
        /// What was checked or seen, for the log of the run.
        public var note: String
        /// Other times of the injection by name (`takeover_seconds`: from a network cut until
        /// the standby streamed the slot), for the report and its plot.
        public var measurements: [String: Double] = [:]
    }

    public var title: String
    public var seed: UInt64
    public var injections: [Injection] = []
    public var audits: [WarehouseAudit.Result] = []
    public var unexpectedExits: [String] = []
    public var workloadTransactions = 0
    public var workloadFailures = 0
    public var sourceRows: [String: Int] = [:]
    public var wallSeconds = 0.0

    public init(title: String, seed: UInt64) {
        self.title = title
        self.seed = seed
    }

    public var changesLost: Int { audits.reduce(0) { $0 + $1.changesLost } }
    public var duplicateRows: Int { audits.reduce(0) { $0 + $1.duplicateRows } }
    public var invariantViolations: Int { audits.reduce(0) { $0 + $1.invariantViolations } }
    public var allSurvived: Bool { injections.allSatisfy(\.survived) }
    public var passed: Bool {
        allSurvived && changesLost == 0 && duplicateRows == 0 && invariantViolations == 0 && unexpectedExits.isEmpty && !audits.isEmpty
    }

    /// Faults in the order first injected, with their counts and recovery times.
    public var rows: [(fault: String, injected: Int, survived: Int, times: [Double])] {
        var order: [String] = []
        var grouped: [String: [Injection]] = [:]
        for injection in injections {
            if grouped[injection.fault] == nil { order.append(injection.fault) }
            grouped[injection.fault, default: []].append(injection)
        }
        return order.map { fault in
            let all = grouped[fault]!
            return (fault, all.count, all.filter(\.survived).count, all.compactMap(\.recoverySeconds).sorted())
        }
    }

    public var rendered: String {
        var lines: [String] = []
        lines.append("\(title) (seed \(seed), \(String(format: "%.0f", wallSeconds)) s)")
        lines.append("")
        let header = ["fault", "injected", "survived", "recovery min", "median", "max"]
        var table = [header]
        for row in rows {
            table.append([row.fault, "\(row.injected)", "\(row.survived)",
                          Self.seconds(row.times.first), Self.seconds(Self.median(row.times)), Self.seconds(row.times.last)])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, row) in table.enumerated() {
            lines.append(row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  "))
            if index == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        for (fault, name, values) in measurementRows {
            lines.append("\(fault): \(name.replacingOccurrences(of: "_", with: " ")) min \(Self.seconds(values.first)), "
                + "median \(Self.seconds(Self.median(values))), max \(Self.seconds(values.last)) (\(values.count))")
        }
        lines.append("")
        lines.append("workload: \(workloadTransactions) transactions committed (\(workloadFailures) failed and rolled back by faults); "
            + "source rows at the end: " + sourceRows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("warehouse checks: \(audits.count) (\(audits.map(\.label).joined(separator: ", ")))")
        lines.append("changes lost:          \(changesLost)")
        lines.append("duplicate warehouse rows: \(duplicateRows)")
        lines.append("invariant violations:  \(invariantViolations)")
        lines.append("unexpected exits:      \(unexpectedExits.count)")
        for exit in unexpectedExits { lines.append("  \(exit)") }
        for audit in audits where !audit.details.isEmpty {
            lines.append("\(audit.label): first differences:")
            lines += audit.details.prefix(20).map { "  \($0)" }
        }
        for injection in injections where !injection.survived {
            lines.append("NOT SURVIVED: \(injection.fault): \(injection.note)")
        }
        lines.append(passed ? "RESULT: PASS" : "RESULT: FAIL")
        return lines.joined(separator: "\n")
    }

    /// Each fault's measurements by name, sorted.
    public var measurementRows: [(fault: String, name: String, values: [Double])] {
        var order: [String] = []
        var values: [String: [String: [Double]]] = [:]
        for injection in injections where !injection.measurements.isEmpty {
            if values[injection.fault] == nil { order.append(injection.fault) }
            for (name, value) in injection.measurements { values[injection.fault, default: [:]][name, default: []].append(value) }
        }
        return order.flatMap { fault in values[fault]!.keys.sorted().map { (fault, $0, values[fault]![$0]!.sorted()) } }
    }

    /// The report as JSON (`HELIO_FAULT_REPORT=<file>.json`): every injection with its recovery
    /// time and measurements, per-fault medians, the audits' counts, and the text report.
    public var json: Data {
        let perFault = rows.map { row -> [String: Any] in
            var entry: [String: Any] = ["fault": row.fault, "injected": row.injected, "survived": row.survived, "recovery_seconds": row.times]
            if let median = Self.median(row.times) { entry["recovery_median_seconds"] = median }
            return entry
        }
        let document: [String: Any] = [
            "title": title, "seed": seed, "wall_seconds": wallSeconds, "passed": passed,
            "workload_transactions": workloadTransactions, "workload_failures": workloadFailures,
            "changes_lost": changesLost, "duplicate_rows": duplicateRows, "invariant_violations": invariantViolations,
            "unexpected_exits": unexpectedExits, "audits": audits.map(\.label), "faults": perFault,
            "injections": injections.map { injection -> [String: Any] in
                var entry: [String: Any] = ["fault": injection.fault, "survived": injection.survived, "note": injection.note,
                                            "measurements": injection.measurements]
                entry["recovery_seconds"] = injection.recoverySeconds ?? NSNull()
                return entry
            },
            "rendered": rendered, "journal": journal,
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// One line per injection, in order: what was injected and what was seen.
    public var journal: String {
        injections.enumerated().map { index, injection in
            "\(index + 1). \(injection.fault): \(injection.survived ? "survived" : "NOT survived")"
                + (injection.recoverySeconds.map { String(format: ", recovered in %.1f s", $0) } ?? "") + " — \(injection.note)"
        }.joined(separator: "\n")
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    static func seconds(_ value: Double?) -> String {
        value.map { String(format: "%.1f s", $0) } ?? "-"
    }
}
