/// Log metadata keys, kept in one place so dashboards and log queries can rely on them.
public enum LogKeys {
    public static let component = "component"
    public static let slot = "slot"
    public static let lsn = "lsn"
    public static let commitLSN = "commit_lsn"
    public static let confirmedLSN = "confirmed_lsn"
    public static let txID = "tx_id"
    public static let table = "table"
    public static let topic = "topic"
    public static let partition = "partition"
    public static let offset = "offset"
    public static let rows = "rows"
    public static let events = "events"
    public static let durationMs = "duration_ms"
    public static let errorKind = "error_kind"
    public static let error = "error"
    public static let version = "version"
    /// The configuration file a command read.
    public static let configFile = "config_file"
    public static let audit = "audit"
    // Progress of long work (`ProgressReporter`).
    public static let progressDone = "done"
    public static let progressTotal = "total"
    public static let progressRate = "per_second"
    public static let progressETASeconds = "eta_seconds"
    // Scheduled jobs and alerts.
    public static let job = "job"
    public static let outcome = "outcome"
    public static let check = "check"
    public static let severity = "severity"
}
