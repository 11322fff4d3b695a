import Foundation

/// Instants of the simulated clock (Unix seconds, UTC) and their local calendar in the
/// platform's time zone, which decides where days and billing months begin.
struct LocalCalendar: Sendable {
    let zone: TimeZone

    init(identifier: String) throws {
        guard let zone = TimeZone(identifier: identifier) else {
            throw SimulatorError(.invalidOptions, "unknown time zone \(identifier)")
        }
        self.zone = zone
    }

    func offset(at instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The local date and the seconds since local midnight of an instant.
    func local(_ instant: Int64) -> (date: CivilDate, secondOfDay: Int) {
        let local = instant + Int64(offset(at: instant))
        let days = Int(local.floorDiv(86_400))
        return (CivilDate(daysSinceEpoch: days), Int(local - Int64(days) * 86_400))
    }

    /// `2026-01-31 12:00 -03:00`, for logs.
    func describe(_ instant: Int64) -> String {
        let (date, second) = local(instant)
        let minutes = self.offset(at: instant) / 60
        let sign = minutes < 0 ? "-" : "+"
        return "\(date.text) \(CivilDate.pad(second / 3600, 2)):\(CivilDate.pad(second / 60 % 60, 2)) "
            + "\(sign)\(CivilDate.pad(abs(minutes) / 60, 2)):\(CivilDate.pad(abs(minutes) % 60, 2))"
    }

    /// The instant of local midnight starting `date`.
    func midnight(_ date: CivilDate) -> Int64 {
        let naive = Int64(date.daysSinceEpoch) * 86_400
        // The offset at midnight itself; a second pass settles a DST change on that night.
        let guess = naive - Int64(offset(at: naive))
        return naive - Int64(offset(at: guess))
    }
}

enum Timestamp {
    /// `2026-01-31T03:00:00Z`, as PostgreSQL's `timestamptz` takes it.
    static func iso(_ instant: Int64) -> String {
        let days = Int(instant.floorDiv(86_400))
        let second = Int(instant - Int64(days) * 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        return "\(date.text)T\(CivilDate.pad(second / 3600, 2)):\(CivilDate.pad(second / 60 % 60, 2)):\(CivilDate.pad(second % 60, 2))Z"
    }

    /// Floors an instant to a multiple of `step` seconds.
    static func align(_ instant: Int64, to step: Int64) -> Int64 { instant.floorDiv(step) * step }
}

extension Int64 {
    func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
