import Foundation

/// What the status page's quality panel shows: flags per hour over the last day, the rules
/// that flagged most in it, and the oldest change quarantine holds. Built from the counts the
/// warehouse returns (`QualityFindings` in HelioJobs, read by the process's loader), so this
/// target needs no database: the page only draws what it is given. Pure.
public struct QualityPanel: Sendable, Equatable {
    /// Flags of one rule and table in one hour (its start, seconds since 1970).
    public struct Count: Sendable, Equatable {
        public var hour: Double
        public var table: String
        public var rule: String
        public var violations: Int

        public init(hour: Double, table: String, rule: String, violations: Int) {
            self.hour = hour
            self.table = table
            self.rule = rule
            self.violations = violations
        }
    }

    public struct RuleTotal: Sendable, Equatable {
        public var rule: String
        public var table: String
        public var violations: Int
    }

    public enum Quarantine: Sendable, Equatable {
        /// The warehouse has no `dw.quarantine` (not migrated to it yet).
        case notBuilt
        case empty
        /// The held change first in source order, and how many are held.
        case oldest(table: String, rowID: String, rules: String, committed: String, held: Int)
    }

    public static let hours = 24
    /// Rules listed in the table; the rest are in `helio quality report`.
    public static let listedRules = 10

    public var asOf: Date
    /// One point per hour of the last 24 (the current one so far), zeros included, oldest first.
    public var perHour: [ChartPointValue]
    /// Most flags first, then by rule name; at most `listedRules`.
    public var topRules: [RuleTotal]
    /// Rules that flagged in the last 24 hours, listed or not.
    public var ruleCount: Int
    public var total: Int
    public var quarantine: Quarantine

    /// `counts` may start before the 24 hours: older ones are left out.
    public init(asOf: Date, counts: [Count], quarantine: Quarantine) {
        self.asOf = asOf
        self.quarantine = quarantine
        let currentHour = (asOf.timeIntervalSince1970 / 3_600).rounded(.down) * 3_600
        let first = currentHour - Double(Self.hours - 1) * 3_600
        let inDay = counts.filter { $0.hour >= first && $0.hour <= currentHour }
        var byHour: [Double: Int] = [:]
        var byRule: [String: RuleTotal] = [:]
        for count in inDay {
            byHour[count.hour, default: 0] += count.violations
            byRule["\(count.table)|\(count.rule)", default: RuleTotal(rule: count.rule, table: count.table, violations: 0)].violations += count.violations
        }
        perHour = (0..<Self.hours).map { index in
            let hour = first + Double(index) * 3_600
            return ChartPointValue(time: hour, value: Double(byHour[hour] ?? 0))
        }
        let ranked = byRule.values.sorted { ($1.violations, $0.rule, $0.table) < ($0.violations, $1.rule, $1.table) }
        topRules = Array(ranked.prefix(Self.listedRules))
        ruleCount = ranked.count
        total = inDay.reduce(0) { $0 + $1.violations }
    }
}

/// A chart point outside this target's internal `ChartPoint` (seconds since 1970, a value).
public struct ChartPointValue: Sendable, Equatable {
    public var time: Double
    public var value: Double
}
