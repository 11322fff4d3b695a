import Foundation

extension CronExpression {
    /// Search no further than this many years ahead (covers leap days on a given weekday).
    static let horizonYears = 100
    /// Wall-clock times may repeat this long after `after` (DST fall-back is one hour, or
    /// thirty minutes on Lord Howe Island): the search starts this far back in wall-clock time.
    static let lookbackSeconds = 3 * 3_600

    /// The first time strictly after `date` at which the expression fires, or nil if it never does.
    public func nextFire(after date: Date) -> Date? {
        let after = date.timeIntervalSince1970
        let start = Int(after.rounded(.down)) - Self.lookbackSeconds
        let startLocal = start + timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(start)))
        var cursor = CivilMinute(localSeconds: Int((Double(startLocal) / 60).rounded(.down)) * 60 + 60)
        let lastYear = cursor.year + Self.horizonYears
        var best: Int?
        var scanUntil: Int?
        while let candidate = nextMatch(from: cursor, lastYear: lastYear) {
            if let scanUntil, candidate.localSeconds > scanUntil { break }
            for instant in instants(of: candidate) where Double(instant) > after {
                best = min(best ?? instant, instant)
                // Later wall-clock times can still be earlier instants inside a repeated hour.
                if scanUntil == nil { scanUntil = candidate.localSeconds + Self.lookbackSeconds }
            }
            cursor = CivilMinute(localSeconds: candidate.localSeconds + 60)
        }
        return best.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The first wall-clock minute at or after `cursor` that every field allows.
    func nextMatch(from start: CivilMinute, lastYear: Int) -> CivilMinute? {
        var cursor = start
        while cursor.year <= lastYear {
            guard month.contains(cursor.month) else {
                if let next = month.next(atOrAfter: cursor.month + 1) {
                    (cursor.month, cursor.day, cursor.hour, cursor.minute) = (next, 1, 0, 0)
                } else {
                    cursor = CivilMinute(year: cursor.year + 1, month: month.first ?? 1, day: 1, hour: 0, minute: 0)
                }
                continue
            }
            guard matchesDay(year: cursor.year, month: cursor.month, day: cursor.day) else {
                cursor.startNextDay()
                continue
            }
            guard hour.contains(cursor.hour) else {
                if let next = hour.next(atOrAfter: cursor.hour + 1) { (cursor.hour, cursor.minute) = (next, 0) } else { cursor.startNextDay() }
                continue
            }
            guard minute.contains(cursor.minute) else {
                if let next = minute.next(atOrAfter: cursor.minute + 1), next <= 59 { cursor.minute = next } else { cursor.startNextHour() }
                continue
            }
            return cursor
        }
        return nil
    }

    /// The instants (seconds since the epoch) at which the wall clock of the time zone shows
    /// `civil`: none in a spring-forward gap, two in a fall-back overlap. See the type's notes.
    func instants(of civil: CivilMinute) -> [Int] {
        let local = civil.localSeconds
        let offsetBefore = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - 86_400)))
        let offsetAfter = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + 86_400)))
        let found = Set([offsetBefore, offsetAfter]).compactMap { offset -> Int? in
            let instant = local - offset
            return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))) == offset ? instant : nil
        }.sorted()
        if found.isEmpty { return hour.isWildcard ? [] : [local - offsetBefore] }
        return hour.isWildcard ? found : [found[0]]
    }
}
