/// Decides which data-quality rules jumped: a rule whose flags in the last hour are at least
/// `ratio` times its hourly average over the day before, and at least `minimum`. A rule that
/// had no flag the day before jumps as soon as it reaches `minimum`. The average is over the
/// part of that day the warehouse has data for (`baselineHours`, at most 24), so a pipeline
/// started yesterday afternoon is not compared with a day it never saw; with less than an
/// hour of it there is no baseline and nothing jumps. Pure: the check reads, this decides.
public struct QualityRateJump: Sendable, Equatable {
    public let ratio: Double
    public let minimum: Int

    public init(ratio: Double, minimum: Int) {
        self.ratio = ratio
        self.minimum = minimum
    }

    public struct Jump: Sendable, Equatable {
        public let table: String
        public let rule: String
        public let lastHour: Int
        /// Flags an hour over the baseline.
        public let hourlyAverage: Double

        /// "energy.energy_kwh.nominal_power (energy): 120 in the last hour, 12.5 × its hourly
        /// average of 9.6 over the day before" (or "none the day before").
        public var description: String {
            let before = hourlyAverage > 0
                ? "\(Self.decimal(Double(lastHour) / hourlyAverage)) × its hourly average of \(Self.decimal(hourlyAverage)) over the day before"
                : "none the day before"
            return "\(rule) (\(table)): \(lastHour) in the last hour, \(before)"
        }

        static func decimal(_ value: Double) -> String {
            let tenths = (value * 10).rounded() / 10
            return tenths == tenths.rounded() ? String(Int64(tenths)) : String(tenths)
        }
    }

    /// The jumps among `windows` (recent = the last hour, before = the baseline), largest
    /// last-hour count first.
    public func jumps(_ windows: [QualityFindings.RuleWindow], baselineHours: Double) -> [Jump] {
        guard baselineHours >= 1 else { return [] }
        let hours = min(baselineHours, 24)
        return windows.compactMap { window -> Jump? in
            let average = Double(window.before) / hours
            guard window.recent >= minimum, Double(window.recent) >= ratio * average else { return nil }
            return Jump(table: window.table, rule: window.rule, lastHour: window.recent, hourlyAverage: average)
        }
        .sorted { ($0.lastHour, $1.rule) > ($1.lastHour, $0.rule) }
    }
}
