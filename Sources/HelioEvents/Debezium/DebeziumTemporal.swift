/// Dates, times and intervals as Debezium's PostgreSQL connector encodes them with its default
/// `time.precision.mode=adaptive` and `interval.handling.mode=numeric`, from PostgreSQL's text
/// output (DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601: capture's session settings):
///
/// | type | Debezium | example |
/// |---|---|---|
/// | `date` | `io.debezium.time.Date`: days since 1970-01-01 | `2024-03-01` → `19783` |
/// | `time(0…3)` | `io.debezium.time.Time`: ms since midnight | `13:45:30.123` → `49530123` |
/// | `time`, `time(4…6)` | `io.debezium.time.MicroTime`: µs since midnight | `13:45:30.123456` → `49530123456` |
/// | `timestamp(0…3)` | `io.debezium.time.Timestamp`: epoch ms | |
/// | `timestamp`, `timestamp(4…6)` | `io.debezium.time.MicroTimestamp`: epoch µs | `2024-03-01 13:45:30.123456` → `1709300730123456` |
/// | `timestamptz(p)` | `io.debezium.time.ZonedTimestamp`: UTC text, exactly p fraction digits (6 without p) | `…30.38362+00` → `"2024-03-01T13:45:30.383620Z"` |
/// | `timetz` | `io.debezium.time.ZonedTime`: UTC text, fraction trimmed | `13:45:30.5+03` → `"10:45:30.5Z"` |
/// | `interval` | `io.debezium.time.MicroDuration`: µs, a month being 30.4375 days | `P1Y2M3DT4H5M6.789S` → `37091106789000` |
///
/// Debezium's other `time.precision.mode`s (``DebeziumSettings/TimePrecision``) change `time`
/// and `timestamp` only: `adaptive_time_microseconds` writes every `time` in µs;
/// `connect` writes Kafka Connect's `Time` (ms since midnight, `24:00:00` → `86400000`) and
/// `Timestamp` (epoch ms, rounded down) whatever the precision.
public enum DebeziumTemporal {
    static let microsPerSecond: Int64 = 1_000_000
    static let microsPerDay: Int64 = 86_400_000_000

    // PostgreSQL's ±infinity, as Debezium maps them (PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY
    // read as microseconds; for dates LocalDate -5877611-06-21/22 when streamed, and what the
    // JDBC driver's java.sql.Date for them becomes when read by a snapshot).
    static let positiveInfinityMicros: Int64 = 9_223_372_036_825_200_000
    static let negativeInfinityMicros: Int64 = -9_223_372_036_832_400_000
    static let positiveInfinityEpochDay: Int64 = -2_147_472_692
    static let negativeInfinityEpochDay: Int64 = -2_147_472_691
    static let positiveInfinityEpochDayJDBC: Int64 = -622_191_234
    static let negativeInfinityEpochDayJDBC: Int64 = -625_821_272

    /// The fraction digits a `time`/`timestamp`/`timestamptz`/`timetz` column keeps: its
    /// declared precision, 6 without one (what the JDBC driver reports as its scale).
    public static func precision(typeModifier: Int32) -> Int {
        typeModifier < 0 ? 6 : Int(typeModifier)
    }

    // MARK: - date

    public static func epochDay(_ text: String) -> Int64? {
        if text == "infinity" { return positiveInfinityEpochDay }
        if text == "-infinity" { return negativeInfinityEpochDay }
        var scanner = Scanner(text)
        let isBC = scanner.stripBC()
        guard let date = scanner.date(isBC: isBC), scanner.atEnd else { return nil }
        return daysFromCivil(year: date.year, month: date.month, day: date.day)
    }

    /// A date as Debezium's snapshot gives it (read through JDBC): ±infinity are the days of
    /// the driver's sentinel `java.sql.Date`s, and a BC date comes out as the same date AD.
    public static func epochDayThroughJDBC(_ text: String) -> Int64? {
        if text == "infinity" { return positiveInfinityEpochDayJDBC }
        if text == "-infinity" { return negativeInfinityEpochDayJDBC }
        var scanner = Scanner(text)
        _ = scanner.stripBC()
        guard let date = scanner.date(isBC: false), scanner.atEnd else { return nil }
        return daysFromCivil(year: date.year, month: date.month, day: date.day)
    }

    // MARK: - time

    /// `time` as µs since midnight (`24:00:00` is 86,400,000,000).
    public static func microOfDay(_ text: String) -> Int64? {
        var scanner = Scanner(text)
        guard let micros = scanner.timeOfDay(), scanner.atEnd else { return nil }
        return micros
    }

    /// `time` with the column's precision and the time mode: `adaptive`, ms (precision ≤ 3) or
    /// µs; `adaptive_time_microseconds`, µs; `connect`, ms (Kafka Connect's `Time`).
    public static func time(_ text: String, precision: Int, mode: DebeziumSettings.TimePrecision = .adaptive) -> JSONValue? {
        guard let micros = microOfDay(text) else { return nil }
        return time(microsOfDay: micros, precision: precision, mode: mode)
    }

    static func time(microsOfDay micros: Int64, precision: Int, mode: DebeziumSettings.TimePrecision) -> JSONValue {
        let inMillis = switch mode {
        case .adaptive: precision <= 3
        case .adaptiveTimeMicroseconds: false
        case .connect: true
        }
        return .integer(inMillis ? micros / 1_000 : micros)
    }

    // MARK: - timestamp

    /// `timestamp` as epoch µs (read as UTC).
    public static func epochMicros(timestamp text: String) -> Int64? {
        if text == "infinity" { return positiveInfinityMicros }
        if text == "-infinity" { return negativeInfinityMicros }
        var scanner = Scanner(text)
        let isBC = scanner.stripBC()
        guard let date = scanner.date(isBC: isBC), scanner.take(UInt8(ascii: " ")), let time = scanner.timeOfDay(), scanner.atEnd else {
            return nil
        }
        return daysFromCivil(year: date.year, month: date.month, day: date.day) * microsPerDay + time
    }

    /// `timestamp` with the column's precision and the time mode: epoch ms (precision ≤ 3, or
    /// any precision with `connect`: Kafka Connect's `Timestamp`, rounded down) or µs.
    public static func timestamp(_ text: String, precision: Int, mode: DebeziumSettings.TimePrecision = .adaptive) -> JSONValue? {
        guard let micros = epochMicros(timestamp: text) else { return nil }
        return timestamp(epochMicros: micros, precision: precision, mode: mode)
    }

    static func timestamp(epochMicros micros: Int64, precision: Int, mode: DebeziumSettings.TimePrecision) -> JSONValue {
        .integer(mode == .connect || precision <= 3 ? floorDivide(micros, 1_000) : micros)
    }

    // MARK: - timestamptz

    /// `timestamptz` as epoch µs (the offset applied).
    public static func epochMicros(timestamptz text: String) -> Int64? {
        var scanner = Scanner(text)
        let isBC = scanner.stripBC()
        guard let date = scanner.date(isBC: isBC), scanner.take(UInt8(ascii: " ")), let time = scanner.timeOfDay(),
              let offset = scanner.offsetSeconds(), scanner.atEnd else { return nil }
        return daysFromCivil(year: date.year, month: date.month, day: date.day) * microsPerDay + time - offset * microsPerSecond
    }

    /// `timestamptz` as Debezium's `ZonedTimestamp`: UTC, `Z`, and exactly `precision`
    /// fraction digits (1…9); with precision 0, Java's ISO form (no fraction when whole).
    /// `infinity` and `-infinity` stay as PostgreSQL prints them.
    public static func zonedTimestamp(_ text: String, precision: Int) -> String? {
        let fractionDigits = precision >= 1 && precision <= 9 ? precision : nil
        if let rewritten = zonedTimestampOfUTCText(text, fractionDigits: fractionDigits) { return rewritten }
        if text == "infinity" || text == "-infinity" { return text }
        guard let micros = epochMicros(timestamptz: text) else { return nil }
        return isoUTC(epochMicros: micros, fractionDigits: fractionDigits)
    }

    /// The common case, rewritten rather than parsed (capture publishes one per row of a
    /// table with a `timestamptz`, and parsing then formatting cost two allocations): a
    /// four-digit CE year at offset `+00`, as capture's UTC session prints it
    /// (`2024-03-01 13:45:30.5+00`), is Debezium's form with `T` for the space, the fraction
    /// padded to `fractionDigits` (nil: as printed, PostgreSQL trims its trailing zeros) and
    /// `Z`. Nil for any other text (BC, another offset, a longer fraction), which the general
    /// path takes.
    static func zonedTimestampOfUTCText(_ text: String, fractionDigits: Int?) -> String? {
        let rewritten = text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            let end = bytes.count - 3
            guard end >= 19, bytes[end] == UInt8(ascii: "+"), bytes[end + 1] == UInt8(ascii: "0"), bytes[end + 2] == UInt8(ascii: "0") else { return nil }
            for index in 0..<19 {
                let byte = bytes[index]
                switch index {
                case 4, 7: guard byte == UInt8(ascii: "-") else { return nil }
                case 10: guard byte == UInt8(ascii: " ") else { return nil }
                case 13, 16: guard byte == UInt8(ascii: ":") else { return nil }
                default: guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                }
            }
            var printed = 0
            if end > 19 {
                printed = end - 20
                guard bytes[19] == UInt8(ascii: "."), printed >= 1, printed <= (fractionDigits ?? 9) else { return nil }
                for index in 20..<end where !(bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")) { return nil }
            }
            let width = fractionDigits ?? printed
            return String(unsafeUninitializedCapacity: 19 + (width > 0 ? 1 + width : 0) + 1) { out in
                for index in 0..<19 { out[index] = bytes[index] }
                out[10] = UInt8(ascii: "T")
                var written = 19
                if width > 0 {
                    out[written] = UInt8(ascii: ".")
                    written += 1
                    for digit in 0..<width {
                        out[written] = digit < printed ? bytes[20 + digit] : UInt8(ascii: "0")
                        written += 1
                    }
                }
                out[written] = UInt8(ascii: "Z")
                return written + 1
            }
        }
        return rewritten ?? nil
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f]Z` (java.time's ISO_LOCAL_DATE year: at least 4 digits, `+`
    /// above 9999, `-` before 1 CE). `fractionDigits` nil: the shortest fraction, none when whole.
    public static func isoUTC(epochMicros micros: Int64, fractionDigits: Int?) -> String {
        let days = floorDivide(micros, microsPerDay)
        let ofDay = micros - days * microsPerDay
        let (year, month, day) = PostgresTime.civilDate(daysSinceUnixEpoch: days)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        if year > 9999 { out.append(UInt8(ascii: "+")) }
        if year < 0 { out.append(UInt8(ascii: "-")) }
        PostgresTime.appendPadded(UInt64(year.magnitude), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        PostgresTime.appendPadded(UInt64(month), width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        PostgresTime.appendPadded(UInt64(day), width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendClock(ofDay, fractionDigits: fractionDigits, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - timetz

    /// `timetz` as Debezium's `ZonedTime`: the time of day in UTC, `HH:mm:ss`, the fraction
    /// only when not zero and without trailing zeros, then `Z`. PostgreSQL's end of day at UTC
    /// (`24:00:00+00`) stays `24:00:00Z`.
    public static func zonedTime(_ text: String) -> String? {
        var scanner = Scanner(text)
        guard let micros = scanner.timeOfDay(), let offset = scanner.offsetSeconds(), scanner.atEnd else { return nil }
        if micros == microsPerDay && offset == 0 { return "24:00:00Z" }
        var utc = (micros - offset * microsPerSecond) % microsPerDay
        if utc < 0 { utc += microsPerDay }
        var out: [UInt8] = []
        appendClock(utc, fractionDigits: nil, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - interval

    /// The fields of an interval as PostgreSQL's `iso_8601` style prints them
    /// (`P1Y2M3DT4H5M6.789S`, `P-1DT-1S`, `PT0S`).
    public struct IntervalFields: Equatable, Sendable {
        public var years = 0, months = 0, days = 0, hours = 0, minutes = 0
        /// Whole seconds and microseconds, with the same sign.
        public var seconds: Int64 = 0, micros: Int64 = 0
    }

    public static func intervalFields(iso text: String) -> IntervalFields? {
        var bytes = Array(text.utf8)[...]
        guard bytes.first == UInt8(ascii: "P") else { return nil }
        bytes = bytes.dropFirst()
        var fields = IntervalFields()
        var inTime = false
        while let first = bytes.first {
            if first == UInt8(ascii: "T") {
                inTime = true
                bytes = bytes.dropFirst()
                continue
            }
            let numberEnd = bytes.firstIndex { !($0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".") || ($0 >= 48 && $0 <= 57)) }
            guard let numberEnd, numberEnd > bytes.startIndex else { return nil }
            let number = String(decoding: bytes[..<numberEnd], as: UTF8.self)
            let unit = bytes[numberEnd]
            bytes = bytes[(numberEnd + 1)...]
            switch (inTime, unit) {
            case (false, UInt8(ascii: "Y")): guard let v = Int(number) else { return nil }; fields.years = v
            case (false, UInt8(ascii: "M")): guard let v = Int(number) else { return nil }; fields.months = v
            case (false, UInt8(ascii: "W")): guard let v = Int(number) else { return nil }; fields.days += 7 * v
            case (false, UInt8(ascii: "D")): guard let v = Int(number) else { return nil }; fields.days += v
            case (true, UInt8(ascii: "H")): guard let v = Int(number) else { return nil }; fields.hours = v
            case (true, UInt8(ascii: "M")): guard let v = Int(number) else { return nil }; fields.minutes = v
            case (true, UInt8(ascii: "S")):
                guard let (whole, micros) = secondsAndMicros(number) else { return nil }
                fields.seconds = whole
                fields.micros = micros
            default: return nil
            }
        }
        return fields
    }

    /// Debezium's `MicroDuration.durationMicros` over pgjdbc's `PGInterval`, floating point
    /// and all: days = months × 30.4375 + days, then seconds, then × 10⁶, truncated.
    public static func intervalMicros(_ fields: IntervalFields) -> Int64 {
        // PGInterval.getSeconds(): whole seconds + (double) microseconds / 1_000_000.
        let seconds = Double(fields.seconds) + Double(fields.micros) / 1_000_000
        let numberOfDays = Double(fields.years * 12 + fields.months) * (365.25 / 12.0) + Double(fields.days)
        let numberOfSeconds = (((numberOfDays * 24 + Double(fields.hours)) * 60) + Double(fields.minutes)) * 60 + seconds
        return javaLong(numberOfSeconds * 1e6)
    }

    public static func intervalMicros(iso text: String) -> Int64? {
        intervalFields(iso: text).map(intervalMicros)
    }

    /// Java's `(long)` of a double: toward zero, saturating, NaN to 0.
    static func javaLong(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.223372036854775807e18 { return Int64.max }
        if value <= -9.223372036854775808e18 { return Int64.min }
        return Int64(value)
    }

    /// `-6.789` → (-6, -789000); at most six fraction digits are kept (PostgreSQL prints no more).
    static func secondsAndMicros(_ text: String) -> (Int64, Int64)? {
        var body = Substring(text)
        var negative = false
        if body.first == "-" { negative = true; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = Int64(parts[0].isEmpty ? "0" : parts[0]) else { return nil }
        var micros: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1].prefix(6)
            guard digits.allSatisfy(\.isASCIIDigit), let value = Int64(digits.isEmpty ? "0" : String(digits)) else { return nil }
            micros = value * Int64(pow10(6 - digits.count))
        }
        return negative ? (-whole, -micros) : (whole, micros)
    }

    // MARK: - calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * 10 } }

    /// `HH:mm:ss` and a fraction: `fractionDigits` exactly, or (nil) the shortest, none when whole.
    static func appendClock(_ microsOfDay: Int64, fractionDigits: Int?, to out: inout [UInt8]) {
        let seconds = microsOfDay / microsPerSecond
        let micros = microsOfDay % microsPerSecond
        PostgresTime.appendPadded(UInt64(seconds / 3600), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        PostgresTime.appendPadded(UInt64(seconds / 60 % 60), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        PostgresTime.appendPadded(UInt64(seconds % 60), width: 2, to: &out)
        // The fraction as nine digits (nanoseconds), of which `fractionDigits` are written,
        // or (nil) all but the trailing zeros.
        var width = fractionDigits ?? 0
        if fractionDigits == nil, micros != 0 {
            width = 6
            var rest = micros
            while rest % 10 == 0 { rest /= 10; width -= 1 }
        }
        guard width > 0 else { return }
        out.append(UInt8(ascii: "."))
        var divisor: Int64 = 100_000_000
        let nanos = micros * 1_000
        for _ in 0..<min(width, 9) {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: nanos / divisor % 10))
            divisor /= 10
        }
    }

    /// A cursor over PostgreSQL's date/time text.
    struct Scanner {
        var bytes: [UInt8]
        var index = 0

        init(_ text: String) { bytes = Array(text.utf8) }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// Removes a trailing ` BC`, reporting whether there was one.
        mutating func stripBC() -> Bool {
            guard bytes.count > 3, bytes.suffix(3).elementsEqual(" BC".utf8) else { return false }
            bytes.removeLast(3)
            return true
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, count < maxDigits, bytes[index] >= 48, bytes[index] <= 57 {
                value = value * 10 + Int64(bytes[index] - 48)
                index += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }

        /// `YYYY-MM-DD`; year N BC is astronomical year 1 - N.
        mutating func date(isBC: Bool) -> (year: Int64, month: Int, day: Int)? {
            guard let year = number(minDigits: 4, maxDigits: 9), take(UInt8(ascii: "-")),
                  let month = number(minDigits: 2, maxDigits: 2), take(UInt8(ascii: "-")),
                  let day = number(minDigits: 2, maxDigits: 2), (1...12).contains(month), (1...31).contains(day) else { return nil }
            return (isBC ? 1 - year : year, Int(month), Int(day))
        }

        /// `HH:MM:SS[.ffffff]` as µs.
        mutating func timeOfDay() -> Int64? {
            guard let hours = number(minDigits: 2, maxDigits: 2), take(UInt8(ascii: ":")),
                  let minutes = number(minDigits: 2, maxDigits: 2), take(UInt8(ascii: ":")),
                  let seconds = number(minDigits: 2, maxDigits: 2) else { return nil }
            var micros: Int64 = 0
            if take(UInt8(ascii: ".")) {
                let start = index
                guard let fraction = number(minDigits: 1, maxDigits: 9) else { return nil }
                let count = index - start
                micros = count <= 6 ? fraction * Int64(pow10(6 - count)) : fraction / Int64(pow10(count - 6))
            }
            return ((hours * 60 + minutes) * 60 + seconds) * microsPerSecond + micros
        }

        /// `±HH[:MM[:SS]]` as seconds east of UTC.
        mutating func offsetSeconds() -> Int64? {
            guard index < bytes.count else { return nil }
            let sign: Int64
            switch bytes[index] {
            case UInt8(ascii: "+"): sign = 1
            case UInt8(ascii: "-"): sign = -1
            default: return nil
            }
            index += 1
            guard let hours = number(minDigits: 2, maxDigits: 2) else { return nil }
            var total = hours * 3600
            if take(UInt8(ascii: ":")) {
                guard let minutes = number(minDigits: 2, maxDigits: 2) else { return nil }
                total += minutes * 60
                if take(UInt8(ascii: ":")) {
                    guard let seconds = number(minDigits: 2, maxDigits: 2) else { return nil }
                    total += seconds
                }
            }
            return sign * total
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
