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
///   (60 s by default) without replies, and the lock with it;
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
