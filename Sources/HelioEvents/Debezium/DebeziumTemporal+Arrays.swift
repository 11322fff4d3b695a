/// The elements of `date[]`, `time[]` and `timestamp[]` as Debezium writes them. It reads every
/// array through the JDBC driver's `PgArray`, whose elements are `java.sql.Date`, `Time` and
/// `Timestamp` made with the JVM's hybrid Julian/Gregorian calendar, before its converters see
/// them (the harness's Debezium runs in UTC, as capture's session does):
///
/// - a `time` keeps only milliseconds (`13:45:30.123456` → 13:45:30.123), and `24:00:00` is the
///   next day's midnight, 0;
/// - a `timestamp` before the Gregorian reform (1582-10-15) is read as a Julian calendar date,
///   some days off the proleptic date PostgreSQL means (`0044-03-15 12:00:00 BC` two days
///   earlier);
/// - a `timetz` keeps only whole seconds (Debezium turns the driver's `java.sql.Time` into a
///   `LocalTime` by its hours, minutes and seconds), in UTC, and `24:00:00+00` is `00:00:00Z`;
/// - a `date` is as a snapshot reads it (``epochDayThroughJDBC(_:)``).
///
/// The units then follow `time.precision.mode` as for a column.
extension DebeziumTemporal {
    /// A `time` array element.
    public static func timeThroughJDBC(_ text: String, precision: Int, mode: DebeziumSettings.TimePrecision) -> JSONValue? {
        guard let micros = microOfDay(text) else { return nil }
        let millis = micros / 1_000 % (microsPerDay / 1_000)
        return time(microsOfDay: millis * 1_000, precision: precision, mode: mode)
    }

    /// A `timetz` array element: `ZonedTime` text of the UTC time in whole seconds.
    public static func zonedTimeThroughJDBC(_ text: String) -> String? {
        var scanner = Scanner(text)
        guard let micros = scanner.timeOfDay(), let offset = scanner.offsetSeconds(), scanner.atEnd else { return nil }
        var utc = (micros / microsPerSecond - offset) % 86_400
        if utc < 0 { utc += 86_400 }
        var out: [UInt8] = []
        appendClock(utc * microsPerSecond, fractionDigits: nil, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A `timestamp` array element.
    public static func timestampThroughJDBC(_ text: String, precision: Int, mode: DebeziumSettings.TimePrecision) -> JSONValue? {
        guard let micros = epochMicrosThroughJDBC(timestamp: text) else { return nil }
        return timestamp(epochMicros: micros, precision: precision, mode: mode)
    }

    /// Epoch µs of a `timestamp` as `java.sql.Timestamp` holds it.
    static func epochMicrosThroughJDBC(timestamp text: String) -> Int64? {
        if text == "infinity" || text == "-infinity" { return epochMicros(timestamp: text) }
        var scanner = Scanner(text)
        let isBC = scanner.stripBC()
        guard let date = scanner.date(isBC: isBC), scanner.take(UInt8(ascii: " ")), let time = scanner.timeOfDay(), scanner.atEnd else {
            return nil
        }
        let beforeReform = (date.year, date.month, date.day) < (1582, 10, 15)
        let days = beforeReform ? daysFromJulian(year: date.year, month: date.month, day: date.day)
                                : daysFromCivil(year: date.year, month: date.month, day: date.day)
        return days * microsPerDay + time
    }

    /// Days since 1970-01-01 of a date of the Julian calendar (astronomical year: 44 BC is -43).
    static func daysFromJulian(year: Int64, month: Int, day: Int) -> Int64 {
        // The Julian Day Number (Fliegel and Van Flandern's Julian-calendar form), from a year
        // moved by 4800 so that every year the scanner reads is positive.
        let a = Int64((14 - month) / 12)
        let y = year + 4800 - a
        let m = Int64(month) + 12 * a - 3
        let julianDay = Int64(day) + (153 * m + 2) / 5 + 365 * y + y / 4 - 32_083
        return julianDay - 2_440_588
    }
}
