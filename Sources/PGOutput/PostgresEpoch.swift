/// Converts PostgreSQL timestamps, which the replication protocol sends as Int64 microseconds
/// since 2000-01-01 00:00:00 UTC, to and from microseconds since the Unix epoch.
///
/// The protocol's fields stay raw `Int64`s so decoding never does arithmetic that could trap;
/// callers convert when they need wall-clock time. (Named apart from HelioEvents'
/// `PostgresTime`, which does the same for event values, so modules importing both compile.)
public enum PostgresEpoch {
    /// Microseconds from 1970-01-01 to 2000-01-01.
    public static let unixOffsetMicros: Int64 = 946_684_800_000_000

    /// Wrapping arithmetic: PostgreSQL's ±infinity (Int64.max / Int64.min) must not trap,
    /// and no real timestamp is near enough to the bounds to wrap.
    @inlinable
    public static func unixMicros(postgresMicros: Int64) -> Int64 {
        postgresMicros &+ unixOffsetMicros
    }

    @inlinable
    public static func postgresMicros(unixMicros: Int64) -> Int64 {
        unixMicros &- unixOffsetMicros
    }
}
