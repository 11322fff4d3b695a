import HelioOps
import HelioPostgres

/// One capture streams a slot; any other `helio capture` started for the same slot stands by
/// and takes over when the active one is gone (issue #13: standby capture).
///
/// Leadership is a session advisory lock taken on the replication connection itself, before
/// anything touches the slot, the publication or the spool. It therefore lives exactly as long
/// as the replication session:
/// - the active process dies (kill -9, a crash, its machine): the server closes its sessions,
///   the lock goes with them, and a standby's next try (every second) wins;
/// - it hangs or its network is cut: the server ends the walsender after `wal_sender_timeout`
///   without replies, and the lock with it. Capture sets that timeout for its own replication
///   session (`walSenderTimeout`, 5 s, unless the URL's `options` or `PGOPTIONS` set one) and
///   replies at least every `replyIntervalSeconds` while it streams, so a capture whose machine
///   or network is gone loses the slot within about 5 s instead of the server's 60 s default
///   (a network cut is silent: no reset, no close reaches the server, only missing replies);
/// - a paused process that wakes up finds its replication session gone: its next read fails,
///   it goes back to standing by, and it never confirms a position again (the slot's
///   confirmations travel only on the session that holds it). Records its producer still had
///   in flight may reach Kafka twice: at least once, as after any capture restart.
/// The slot would refuse a second streamer anyway ("replication slot is active"); the lock
/// also keeps two processes from creating the slot, publishing a snapshot or replaying one
/// spool at the same time. Standbys must share the active one's spool directory (one host, or
/// a shared volume): a takeover is a restart of capture, and it finds there what a restart
/// finds (docs/operations.md, "Standby capture").
struct CaptureLeadership {
    let slot: String

    /// `wal_sender_timeout` of capture's replication session (a user-settable parameter since
    /// PostgreSQL 12): the source ends the session, and the slot's lock with it, when capture
    /// sent no reply for this long. Short, so that a standby takes over within 10 s of the
    /// active capture's machine or network going silent (issue #13 item 1). The server asks for
    /// a reply after half of it, which a streaming capture answers within 0.1 s.
    static let walSenderTimeout = "5s"
    /// The longest capture waits between standby status updates while it streams (its
    /// `capture.status_interval_seconds` when shorter): replies also go out from the waits for
    /// Kafka, where capture does not read the stream, and must come twice per timeout.
    static let replyIntervalSeconds = 2.0

    /// Whether capture sets `walSenderTimeout`: not when the operator set one in the URL's
    /// `options` (or `PGOPTIONS`), which then decides alone.
    static func setsTimeout(sourceURL: String) -> Bool {
        !(ConnectionOptions(url: sourceURL).setting("options") ?? "").contains("wal_sender_timeout")
    }

    /// The replication session's settings, with `walSenderTimeout` when capture sets it.
    static func replicationSettings(_ settings: [String: String], sourceURL: String) -> [String: String] {
        guard setsTimeout(sourceURL: sourceURL) else { return settings }
        var settings = settings
        settings["wal_sender_timeout"] = walSenderTimeout
        return settings
    }

    /// Capture's configuration with status updates at least every `replyIntervalSeconds` when
    /// capture sets the short timeout.
    static func configuration(_ config: HelioConfiguration) -> HelioConfiguration {
        guard let url = config.sourceURL, setsTimeout(sourceURL: url) else { return config }
        var config = config
        config.statusIntervalSeconds = min(config.statusIntervalSeconds, replyIntervalSeconds)
        return config
    }

    /// Takes the slot's lock on `replication`; false when another session holds it.
    func tryAcquire(_ replication: PostgresConnection) throws -> Bool {
        // A replication session takes the simple query protocol only: the key is inlined.
        try replication.execute("SELECT pg_try_advisory_lock(hashtext('helio.capture'), hashtext(\(replication.quoteLiteral(slot))))").scalar == "t"
    }

    /// Who holds the lock, for the standby's log line: "pid 123 (helio-capture, 10.0.0.5)".
    func holder(_ connection: PostgresConnection) -> String {
        let sql = """
            SELECT a.pid || ' (' || coalesce(nullif(a.application_name, ''), '?') || ', ' || coalesce(host(a.client_addr), 'local') || ')'
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
               AND l.classid::bigint = (hashtext('helio.capture')::bigint & 4294967295)
               AND l.objid::bigint = (hashtext(\(connection.quoteLiteral(slot)))::bigint & 4294967295)
            """
        return ((try? connection.execute(sql).scalar) ?? nil) ?? "unknown"
    }
}
