import Testing
@testable import HelioEvents

@Suite struct PostgresTimeTests {
    @Test func convertsBetweenEpochs() {
        #expect(PostgresTime.unixMicros(postgresMicros: 0) == 946_684_800_000_000)
        #expect(PostgresTime.postgresMicros(unixMicros: 946_684_800_000_000) == 0)
        // '2026-11-29 00:27:04.123456+00' is 849_227_224_123_456 µs after 2000-01-01.
        #expect(PostgresTime.unixMicros(postgresMicros: 849_227_224_123_456) == 1_795_912_024_123_456)
        #expect(PostgresTime.unixMillis(postgresMicros: 849_227_224_123_456) == 1_795_912_024_123)
    }

    @Test func millisecondsRoundTowardThePast() {
        #expect(PostgresTime.unixMillis(unixMicros: 1_999) == 1)
        #expect(PostgresTime.unixMillis(unixMicros: -1) == -1)
        #expect(PostgresTime.unixMillis(unixMicros: -1_000) == -1)
        #expect(PostgresTime.unixMillis(unixMicros: -1_001) == -2)
    }

    @Test(arguments: [
        (Int64(1_795_912_024_123_456), "2026-11-29T00:27:04.123456Z"),
        (0, "1970-01-01T00:00:00.000000Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
        (1_709_251_199_999_999, "2024-02-29T23:59:59.999999Z"),
        (951_868_800_000_000, "2000-03-01T00:00:00.000000Z"),
        (-2_203_891_200_000_000, "1900-03-01T00:00:00.000000Z"),
        (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000Z"),
        (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
    ])
    func formatsISO8601UTC(_ micros: Int64, _ expected: String) {
        #expect(PostgresTime.iso8601UTC(unixMicros: micros) == expected)
    }

    @Test func writesIntoABuffer() {
        var buffer = Array("t=".utf8)
        PostgresTime.writeISO8601UTC(unixMicros: 1_795_912_024_000_001, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "t=2026-11-29T00:27:04.000001Z")
    }

    @Test func civilDateAdvancesOneDayAtATimeAcrossCenturies() {
        // Walk every day from 1899-12-31 to 2101: each step is the next day of the month, or
        // the first of the next month right after that month's last day (leap years included).
        func daysInMonth(_ year: Int64, _ month: Int) -> Int {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return month == 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
        }
        var previous = PostgresTime.civilDate(daysSinceUnixEpoch: -25_568)
        #expect(previous == (1899, 12, 31))
        var firstBadDay: Int64?
        for days in Int64(-25_567)...Int64(48_000) {
            let date = PostgresTime.civilDate(daysSinceUnixEpoch: days)
            let nextDay = date.year == previous.year && date.month == previous.month && date.day == previous.day + 1
            let monthEnded = previous.day == daysInMonth(previous.year, previous.month) && date.day == 1
            let nextMonth = monthEnded && (date.year == previous.year && date.month == previous.month + 1
                || date.year == previous.year + 1 && date.month == 1 && previous.month == 12)
            if !(nextDay || nextMonth) {
                firstBadDay = days
                break
            }
            previous = date
        }
        #expect(firstBadDay == nil)
        #expect(previous == (2101, 6, 3))
        #expect(PostgresTime.civilDate(daysSinceUnixEpoch: 19_782) == (2024, 2, 29))
    }
}
