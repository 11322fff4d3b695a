/// PostgreSQL's internal timestamps (microseconds since 2000-01-01 00:00:00 UTC, as in
/// pgoutput's Begin/Commit and the replication keepalives) and their Unix and ISO-8601
/// forms, for `source.ts_ms`/`ts_us` and the snapshot's time.
public enum PostgresTime {
    /// Microseconds from the Unix epoch to PostgreSQL's (946,684,800 s).
    public static let epochOffsetMicros: Int64 = 946_684_800_000_000

    public static func unixMicros(postgresMicros: Int64) -> Int64 {
        postgresMicros + epochOffsetMicros
    }

    public static func postgresMicros(unixMicros: Int64) -> Int64 {
        unixMicros - epochOffsetMicros
    }

    /// Milliseconds, rounded down (toward the past, also before 1970), so that `ts_ms`
    /// never names a later millisecond than `ts_us`.
    public static func unixMillis(postgresMicros: Int64) -> Int64 {
        floorDivide(unixMicros(postgresMicros: postgresMicros), 1000)
    }

    public static func unixMillis(unixMicros: Int64) -> Int64 {
        floorDivide(unixMicros, 1000)
    }

    /// `2026-11-29T00:27:04.123456Z`: always six fraction digits, so the text is exact and
    /// sorts like the number.
    public static func iso8601UTC(unixMicros: Int64) -> String {
        var buffer: [UInt8] = []
        writeISO8601UTC(unixMicros: unixMicros, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// As ``iso8601UTC(unixMicros:)``, appended to a buffer without a String in between.
    public static func writeISO8601UTC(unixMicros: Int64, into buffer: inout [UInt8]) {
        let micros = floorModulo(unixMicros, 1_000_000)
        let seconds = floorDivide(unixMicros, 1_000_000)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceUnixEpoch: days)

        if year < 0 { buffer.append(UInt8(ascii: "-")) }
        appendPadded(year.magnitude, width: 4, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendPadded(UInt64(month), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendPadded(UInt64(day), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "T"))
        appendPadded(UInt64(secondOfDay / 3600), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay / 60 % 60), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 60), width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        appendPadded(UInt64(micros), width: 6, to: &buffer)
        buffer.append(UInt8(ascii: "Z"))
    }

    /// Proleptic Gregorian date of a day count (Howard Hinnant's `civil_from_days`).
    public static func civilDate(daysSinceUnixEpoch days: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// `value` in decimal, zero-padded to `width` digits.
    static func appendPadded(_ value: UInt64, width: Int, to buffer: inout [UInt8]) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        if digits < width { buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits)) }
        buffer.appendDecimal(value)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }

    private static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
