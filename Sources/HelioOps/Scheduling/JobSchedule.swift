import Foundation

/// When a scheduled job runs: a cron expression, or a fixed interval (`@every 30s`).
///
/// Accepted text: five cron fields; `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
/// (`@midnight`), `@hourly`; `@every <duration>` with a duration such as `30s`, `5m`, `1h30m`,
/// `2d` (at least one second). Cron times are wall-clock times in the given time zone.
public enum JobSchedule: Equatable, Sendable, CustomStringConvertible {
    case cron(CronExpression)
    /// Every so many seconds, counted from the scheduler's start.
    case every(seconds: Double)

    static let shorthands = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public static func parse(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronError) -> JobSchedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("@") else { return .cron(try CronExpression(trimmed, timeZone: timeZone)) }
        let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        let keyword = words[0].lowercased()
        if keyword == "@every" {
            guard words.count == 2 else {
                throw CronError(field: "expression", text: trimmed, problem: "@every takes one duration, e.g. @every 30s or @every 1h30m")
            }
            return .every(seconds: try duration(String(words[1])))
        }
        guard words.count == 1, let expansion = shorthands[keyword] else {
            throw CronError(field: "expression", text: trimmed,
                            problem: "unknown shorthand; use one of @yearly @monthly @weekly @daily @hourly or @every <duration>")
        }
        return .cron(try CronExpression(expansion, timeZone: timeZone))
    }

    /// `1h30m` → 5400. Units: s, m, h, d.
    static func duration(_ text: String) throws(CronError) -> Double {
        func fail(_ problem: String) -> CronError { CronError(field: "@every", text: text, problem: problem) }
        var total = 0.0
        var number = ""
        for character in text.lowercased() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { throw fail("expected a number before '\(character)'") }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3_600
            case "d": total += value * 86_400
            default: throw fail("unknown unit '\(character)'; use s, m, h or d")
            }
            number = ""
        }
        guard number.isEmpty else { throw fail("'\(number)' has no unit; write e.g. \(number)s") }
        guard total >= 1 else { throw fail("must be at least one second") }
        return total
    }

    /// The first run strictly after `date` (for `.every`, `date` is the previous run's time).
    public func next(after date: Date) -> Date? {
        switch self {
        case .cron(let expression): expression.nextFire(after: date)
        case .every(let seconds): date.addingTimeInterval(seconds)
        }
    }

    public var description: String {
        switch self {
        case .cron(let expression): expression.description
        case .every(let seconds): "every \(seconds.formatted(.number.grouping(.never)))s"
        }
    }
}
