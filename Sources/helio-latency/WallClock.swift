import Glibc

/// The realtime clock in Unix microseconds.
///
/// PostgreSQL stamps a commit (`source.ts_us`, `source_commit_ts`) with `gettimeofday`, i.e.
/// CLOCK_REALTIME. The probe runs on the same machine as the server, so both ends of every
/// latency come from one clock and no offset needs correcting.
enum WallClock {
    static func nowMicros() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000
    }

    /// Sleeps until `micros` on this clock (returns at once when it has passed).
    static func sleep(until micros: Int64) {
        let remaining = micros - nowMicros()
        guard remaining > 0 else { return }
        var request = timespec(tv_sec: Int(remaining / 1_000_000), tv_nsec: Int(remaining % 1_000_000) * 1_000)
        var left = timespec()
        while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
    }
}
