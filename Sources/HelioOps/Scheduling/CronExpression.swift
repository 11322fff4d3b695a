import Foundation

/// A standard five-field cron expression (`minute hour day-of-month month day-of-week`),
/// evaluated in a time zone. Pure: parsing and next-fire computation do no I/O.
///
/// Days follow Vixie cron: when both day fields are restricted (neither starts with `*`), a
/// day matches if either does (`0 0 1,15 * MON` is the 1st, the 15th and every Monday);
/// otherwise both must match. Daylight-saving time: a fixed time that a spring-forward gap
/// skips fires at the same wall-clock distance after the gap (02:30 becomes 03:30); a fixed
/// time that a fall-back repeats fires once, at its first occurrence; an expression whose hour
/// field is `*` or `*/n` follows real time through both.
public struct CronExpression: Equatable, Sendable, CustomStringConvertible {
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField
    public let timeZone: TimeZone
    /// The text as written, for logs and errors.
    public let text: String

    public init(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(field: "expression", text: text,
                            problem: "has \(fields.count) fields; expected 5: minute hour day-of-month month day-of-week")
        }
        minute = try CronField(fields[0], kind: .minute)
        hour = try CronField(fields[1], kind: .hour)
        dayOfMonth = try CronField(fields[2], kind: .dayOfMonth)
        month = try CronField(fields[3], kind: .month)
        dayOfWeek = try CronField(fields[4], kind: .dayOfWeek)
        // A day-of-month that no allowed month has (`30 2`, `31 4,6`) would never fire.
        if !dayOfMonth.isWildcard && dayOfWeek.isWildcard {
            let longest = (1...12).filter(month.contains).map { CivilCalendar.maximumDays(inMonth: $0) }.max() ?? 0
            guard let first = dayOfMonth.first, first <= longest else {
                throw CronError(field: "day-of-month", text: fields[2], problem: "never occurs in month '\(fields[3])'")
            }
        }
        self.timeZone = timeZone
        self.text = fields.joined(separator: " ")
    }

    public var description: String { "\(text) (\(timeZone.identifier))" }

    /// Whether the civil day matches, with the day-of-month/day-of-week rule above.
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let dom = dayOfMonth.contains(day)
        let dow = dayOfWeek.contains(CivilCalendar.weekday(year: year, month: month, day: day))
        return dayOfMonth.isWildcard || dayOfWeek.isWildcard ? dom && dow : dom || dow
    }
}
