import Foundation
@testable import HelioOps
import Testing

/// `2026-04-13T00:00:00Z`-style literals, parsed exactly.
func utc(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

func fires(_ expression: String, after start: String, count: Int = 1, zone: String = "UTC") throws -> [String] {
    let cron = try CronExpression(expression, timeZone: TimeZone(identifier: zone)!)
    var results: [String] = []
    var cursor = utc(start)
    for _ in 0..<count {
        guard let next = cron.nextFire(after: cursor) else { break }
        results.append(next.formatted(.iso8601))
        cursor = next
    }
    return results
}

@Suite("Cron expressions: next fire times")
struct CronNextFireTests {
    @Test("steps cross the end of a day, a month and a year")
    func stepsAcrossBoundaries() throws {
        #expect(try fires("*/15 * * * *", after: "2026-01-31T23:50:00Z", count: 2) == ["2026-02-01T00:00:00Z", "2026-02-01T00:15:00Z"])
        #expect(try fires("0 0 1 * *", after: "2026-12-15T08:00:00Z", count: 2) == ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"])
        #expect(try fires("59 23 * * *", after: "2026-12-31T23:59:00Z") == ["2027-01-01T23:59:00Z"])
    }

    @Test("the next time is strictly after the given one, seconds ignored")
    func strictlyAfter() throws {
        #expect(try fires("30 10 * * *", after: "2026-05-01T10:30:00Z") == ["2026-05-02T10:30:00Z"])
        #expect(try fires("30 10 * * *", after: "2026-05-01T10:29:59Z") == ["2026-05-01T10:30:00Z"])
        #expect(try fires("* * * * *", after: "2026-05-01T10:29:01Z") == ["2026-05-01T10:30:00Z"])
    }

    @Test("a day of month that some months lack skips those months; 29 February waits for a leap year")
    func shortMonths() throws {
        #expect(try fires("0 0 31 * *", after: "2026-01-31T00:00:00Z", count: 3) == ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"])
        #expect(try fires("0 12 29 2 *", after: "2026-03-01T00:00:00Z", count: 2) == ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"])
        #expect(try fires("0 0 30 * *", after: "2026-02-01T00:00:00Z") == ["2026-03-30T00:00:00Z"])
    }

    @Test("weekday ranges and names; Sunday is 0 and 7")
    func weekdays() throws {
        // 2026-05-01 is a Friday.
        #expect(try fires("0 9 * * MON-FRI", after: "2026-05-01T10:00:00Z", count: 2) == ["2026-05-04T09:00:00Z", "2026-05-05T09:00:00Z"])
        #expect(try fires("0 0 * * 7", after: "2026-05-01T00:00:00Z") == ["2026-05-03T00:00:00Z"])
        #expect(try fires("0 0 * * sun", after: "2026-05-01T00:00:00Z") == ["2026-05-03T00:00:00Z"])
        #expect(try fires("0 0 * * 5-7", after: "2026-05-01T00:00:00Z", count: 3) == ["2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z", "2026-05-08T00:00:00Z"])
    }

    @Test("both day fields restricted: either matches (the 13th or a Friday); one starting with * : both must")
    func dayOfMonthOrDayOfWeek() throws {
        // April 2026: Fridays 3, 10, 17; the 13th is a Monday.
        #expect(try fires("0 0 13 * FRI", after: "2026-04-10T00:00:00Z", count: 2) == ["2026-04-13T00:00:00Z", "2026-04-17T00:00:00Z"])
        // */2 counts as a wildcard: odd days that are Mondays (6, 13, 20, 27 are the Mondays).
        #expect(try fires("0 0 */2 * MON", after: "2026-04-01T00:00:00Z", count: 2) == ["2026-04-13T00:00:00Z", "2026-04-27T00:00:00Z"])
    }

    @Test("lists, ranges with steps, start/step, month names in any case")
    func listsAndSteps() throws {
        #expect(try fires("1-10/3 8 * * *", after: "2026-05-01T00:00:00Z", count: 5)
                == ["2026-05-01T08:01:00Z", "2026-05-01T08:04:00Z", "2026-05-01T08:07:00Z", "2026-05-01T08:10:00Z", "2026-05-02T08:01:00Z"])
        #expect(try fires("5/20 0 * * *", after: "2026-05-01T00:00:00Z", count: 3) == ["2026-05-01T00:05:00Z", "2026-05-01T00:25:00Z", "2026-05-01T00:45:00Z"])
        #expect(try fires("0 0 1 jan,Jul *", after: "2026-02-01T00:00:00Z", count: 2) == ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"])
        #expect(try fires("0 6,18 * * *", after: "2026-05-01T07:00:00Z", count: 2) == ["2026-05-01T18:00:00Z", "2026-05-02T06:00:00Z"])
    }

    @Test("wall-clock times of another time zone")
    func timeZones() throws {
        // São Paulo is UTC-3 all year (no daylight-saving time since 2019).
        #expect(try fires("0 9 * * *", after: "2026-06-01T00:00:00Z", zone: "America/Sao_Paulo") == ["2026-06-01T12:00:00Z"])
        // Kolkata is UTC+5:30: local midnight of 2 June is 18:30 UTC on 1 June.
        #expect(try fires("0 0 * * *", after: "2026-06-01T12:00:00Z", zone: "Asia/Kolkata") == ["2026-06-01T18:30:00Z"])
        // The first of the month in Tokyo (UTC+9) is still the last day of the month before in UTC.
        #expect(try fires("0 3 1 * *", after: "2026-05-15T00:00:00Z", zone: "Asia/Tokyo") == ["2026-05-31T18:00:00Z"])
    }

    @Test("daylight-saving time: a skipped time fires after the gap, a repeated one once; hourly follows real time")
    func daylightSaving() throws {
        // New York: 2026-03-08 02:00 EST becomes 03:00 EDT; 2026-11-01 02:00 EDT becomes 01:00 EST.
        #expect(try fires("30 2 * * *", after: "2026-03-07T12:00:00Z", count: 2, zone: "America/New_York")
                == ["2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"])
        #expect(try fires("30 1 * * *", after: "2026-10-31T12:00:00Z", count: 2, zone: "America/New_York")
                == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        #expect(try fires("*/30 * * * *", after: "2026-11-01T05:00:00Z", count: 4, zone: "America/New_York")
                == ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z"])
        #expect(try fires("0 * * * *", after: "2026-03-08T06:00:00Z", count: 2, zone: "America/New_York")
                == ["2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"])
    }
}

@Suite("Cron expressions: errors name the field")
struct CronErrorTests {
    func error(_ text: String) -> CronError? {
        do {
            _ = try JobSchedule.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("each bad field is named with its text and the problem")
    func badFields() {
        #expect(error("60 * * * *") == CronError(field: "minute", text: "60", problem: "60 is outside 0-59"))
        #expect(error("* 24 * * *")?.field == "hour")
        #expect(error("* * 0 * *") == CronError(field: "day-of-month", text: "0", problem: "0 is outside 1-31"))
        #expect(error("* * * 13 *")?.field == "month")
        #expect(error("* * * FOO *") == CronError(field: "month", text: "FOO", problem: "'FOO' is not a number or one of JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC"))
        #expect(error("* * * * 8")?.field == "day-of-week")
        #expect(error("* * * * MON-FUN")?.field == "day-of-week")
        #expect(error("10-5 * * * *") == CronError(field: "minute", text: "10-5", problem: "range 10-5 runs backwards"))
        #expect(error("*/0 * * * *")?.problem == "step '0' is not a positive number")
        #expect(error("1,,2 * * * *")?.problem == "has an empty list item")
        #expect(error("1- * * * *")?.problem == "has a range with a missing end")
        #expect(error("0 0 30 2 *") == CronError(field: "day-of-month", text: "30", problem: "never occurs in month '2'"))
    }

    @Test("wrong number of fields, unknown shorthands and bad intervals")
    func badExpressions() {
        #expect(error("* * * *")?.description == "cron expression '* * * *': has 4 fields; expected 5: minute hour day-of-month month day-of-week")
        #expect(error("0 * * * * *")?.field == "expression")
        #expect(error("")?.field == "expression")
        #expect(error("@fortnightly")?.field == "expression")
        #expect(error("@every")?.field == "expression")
        #expect(error("@every 10")?.problem == "'10' has no unit; write e.g. 10s")
        #expect(error("@every 0s")?.problem == "must be at least one second")
        #expect(error("@every 5x")?.problem == "unknown unit 'x'; use s, m, h or d")
    }

    @Test("a field whose days both restricted never clash: 30 February or Mondays is valid")
    func impossibleDayWithWeekday() throws {
        #expect(try fires("0 0 30 2 MON", after: "2026-02-01T00:00:00Z") == ["2026-02-02T00:00:00Z"])
    }
}

@Suite("Schedules: shorthands and intervals")
struct JobScheduleTests {
    @Test("shorthands expand to their cron expressions")
    func shorthands() throws {
        let start = utc("2026-05-01T10:15:00Z")
        #expect(try JobSchedule.parse("@hourly").next(after: start) == utc("2026-05-01T11:00:00Z"))
        #expect(try JobSchedule.parse("@daily").next(after: start) == utc("2026-05-02T00:00:00Z"))
        #expect(try JobSchedule.parse("@midnight") == JobSchedule.parse("0 0 * * *"))
        #expect(try JobSchedule.parse("@weekly").next(after: start) == utc("2026-05-03T00:00:00Z"))
        #expect(try JobSchedule.parse("@monthly").next(after: start) == utc("2026-06-01T00:00:00Z"))
        #expect(try JobSchedule.parse("@yearly").next(after: start) == utc("2027-01-01T00:00:00Z"))
        #expect(try JobSchedule.parse("@ANNUALLY") == JobSchedule.parse("@yearly"))
        #expect(try JobSchedule.parse("  */5 * * * *  ").next(after: start) == utc("2026-05-01T10:20:00Z"))
    }

    @Test("@every counts from the previous run, with combined units")
    func intervals() throws {
        let start = utc("2026-05-01T10:15:00Z")
        #expect(try JobSchedule.parse("@every 30s") == .every(seconds: 30))
        #expect(try JobSchedule.parse("@every 1h30m") == .every(seconds: 5_400))
        #expect(try JobSchedule.parse("@every 2d") == .every(seconds: 172_800))
        #expect(try JobSchedule.parse("@every 1.5s") == .every(seconds: 1.5))
        #expect(try JobSchedule.parse("@every 30s").next(after: start) == start.addingTimeInterval(30))
    }
}
