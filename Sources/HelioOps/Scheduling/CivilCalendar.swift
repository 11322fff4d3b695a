/// Proleptic Gregorian calendar arithmetic on civil dates, without Foundation's Calendar, so
/// the next-fire search can step through fields cheaply and exactly.
public enum CivilCalendar {
    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func maximumDays(inMonth month: Int) -> Int { month == 2 ? 29 : days(inMonth: month, year: 2001) }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (civil_from_days).
    static func date(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days % 7) + 7 + 4) % 7
    }
}

/// A wall-clock minute in some time zone.
struct CivilMinute: Comparable {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int

    /// Seconds since the epoch as if this wall-clock time were UTC.
    var localSeconds: Int {
        CivilCalendar.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    init(localSeconds: Int) {
        let days = localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400
        let rest = localSeconds - days * 86_400
        let date = CivilCalendar.date(daysSinceEpoch: days)
        self.init(year: date.year, month: date.month, day: date.day, hour: rest / 3_600, minute: rest % 3_600 / 60)
    }

    static func < (a: CivilMinute, b: CivilMinute) -> Bool { a.localSeconds < b.localSeconds }

    /// Moves to the start of the next month, day, hour or minute, carrying over.
    mutating func startNextMonth() { (day, hour, minute) = (1, 0, 0); month += 1; if month > 12 { month = 1; year += 1 } }
    mutating func startNextDay() {
        (hour, minute) = (0, 0)
        day += 1
        if day > CivilCalendar.days(inMonth: month, year: year) { startNextMonth() }
    }
    mutating func startNextHour() { minute = 0; hour += 1; if hour > 23 { startNextDay() } }
}
