import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import Logging

extension FaultRunner {
    /// Records no capture would write, on table topics and on the transaction topic: each must
    /// reach the dead-letter topic with its original bytes while the pipeline goes on.
    func poison(round: Int) throws -> FaultReport.Injection {
        let topics = TopicNames(prefix: config.topicPrefix)
        let token = "poison-\(round)-\(UInt32.random(in: 0..<UInt32.max))"
        let records: [(topic: String, value: String, partition: Int32?)] = [
            ("\(config.topicPrefix).public.energy", "not json \(token)", nil),
            ("\(config.topicPrefix).public.users", #"{"before":null,"after":{"id":"\#(token)"},"op":"c","ts_ms":1}"#, nil),
            ("\(config.topicPrefix).public.devices", #"{"after":{"id":1,"serial_number":"\#(token)""#, nil),
            (topics.transaction, #"{"status":"END","id":"\#(token)","event_count":"many"}"#, 0),
        ]
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: stack.broker.brokers), logger: Logger(label: "faults.poison"))
        for (index, record) in records.enumerated() {
            try producer.send(OutgoingRecord(topic: record.topic, key: Array(#"{"id":"\#(token)-\#(index)"}"#.utf8),
                                             value: Array(record.value.utf8), partition: record.partition), id: UInt64(index + 1))
        }
        guard producer.flush(timeoutMilliseconds: 30_000) else { throw Spawn.Failed(command: "produce poison", status: -1, output: "not acknowledged") }
        let lifted = Date()
        let seconds = recovery(since: lifted)
        var dead = 0
        try? eventually("the poison records in the dead-letter topic", within: 60) {
            dead = try TopicReader(brokers: stack.broker.brokers).read([topics.dlq], minimum: 1, within: 5)
                .filter { $0.value.map { String(decoding: $0, as: UTF8.self).contains(token) } ?? false }.count
            return dead >= records.count
        }
        return FaultReport.Injection(fault: Fault.poison.rawValue, survived: seconds != nil && dead == records.count, recoverySeconds: seconds,
                                     note: "\(records.count) injected (3 table topics, the transaction topic); \(dead) found in \(topics.dlq)")
    }

    /// DDL while changes stream: a column added (and used at once), another dropped.
    func schemaChange(round: Int) throws -> FaultReport.Injection {
        let added = "nickname_\(round)"
        let dropped = ["address", "utility", "latitude"][(round - 1) % 3]
        let source = try stack.sourceAdmin()
        try source.execute("ALTER TABLE users ADD COLUMN \(added) text")
        try source.execute("INSERT INTO users (name, email, \(added)) VALUES ('DDL \(round)', 'ddl-\(round)@helio.test', 'nick')")
        try source.execute("ALTER TABLE units DROP COLUMN \(dropped)")
        try source.execute("UPDATE units SET name = name || ' (ddl)' WHERE id = (SELECT min(id) FROM units)")
        let lifted = Date()
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: Fault.schemaChange.rawValue, survived: seconds != nil, recoverySeconds: seconds,
                                     note: "users.\(added) added and written, units.\(dropped) dropped and a unit updated")
    }

    /// One transaction of many rows amid the workload, streamed by the server in progress
    /// (capture spools it), then one that deletes them all. Recovery is counted from each commit.
    func largeTransaction() throws -> FaultReport.Injection {
        let rows = plan.largeTransactionRows
        let source = try stack.sourceAdmin()
        let device = try source.execute("SELECT min(id)::text FROM devices WHERE kind = 'inverter'").scalar ?? "1"
        // 2024: a year the workload never writes, so the rows and the workload's never collide.
        let started = Date()
        try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
            SELECT \(device), timestamptz '2024-01-01 00:00:00-03' + g * interval '15 seconds', round(((g % 1000) / 100.0)::numeric, 4), 1.5
            FROM generate_series(1, \(rows)) g
            """)
        let committed = Date()
        let insertSeconds = recovery(since: committed, within: plan.largeRecoveryTimeout)
        let inserted = FaultReport.Injection(
            fault: Fault.largeTransaction.rawValue + " (\(rows.formatted()) rows inserted)", survived: insertSeconds != nil,
            recoverySeconds: insertSeconds, note: String(format: "the insert took %.1f s on the source", committed.timeIntervalSince(started)))
        report.injections.append(inserted)
        say("\(inserted.fault): \(inserted.survived ? "survived" : "NOT SURVIVED")"
            + (insertSeconds.map { String(format: ", recovered in %.1f s", $0) } ?? "") + " — \(inserted.note)")
        let deleteStarted = Date()
        try source.execute("DELETE FROM energy WHERE measured_at >= '2024-01-01 00:00:00-03' AND measured_at < '2025-01-01 00:00:00-03'")
        let deleted = Date()
        let deleteSeconds = recovery(since: deleted, within: plan.largeRecoveryTimeout)
        return FaultReport.Injection(fault: Fault.largeTransaction.rawValue + " (\(rows.formatted()) rows deleted)", survived: deleteSeconds != nil,
                                     recoverySeconds: deleteSeconds,
                                     note: String(format: "the delete took %.1f s on the source", deleted.timeIntervalSince(deleteStarted)))
    }

    func truncate(round: Int) throws -> FaultReport.Injection {
        let table = round % 2 == 1 ? "irradiance" : "energy_compensate"
        let rows = try stack.sourceAdmin().execute("SELECT count(*) FROM \(table)").scalar ?? "?"
        try stack.sourceAdmin().execute("TRUNCATE \(table)")
        let lifted = Date()
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: Fault.truncate.rawValue, survived: seconds != nil, recoverySeconds: seconds,
                                     note: "TRUNCATE \(table) (\(rows) rows) amid the workload")
    }

    /// Capture spooling a streamed transaction into a directory too small for it: it must stop
    /// with an error that names the directory and what to do, confirm nothing past that
    /// transaction, and, once there is room, deliver it whole. A 2 MB tmpfs when this machine
    /// may mount one, else `HELIO_SPOOL_MAX_BYTES` of 2 MB.
    func spoolFull() throws -> FaultReport.Injection {
        let fault = Fault.spoolFull.rawValue
        pipeline.stop(.capture)
        var small = config
        small.decodingWorkMem = "64kB" // every sizeable transaction streams through the spool
        small.spoolDirectory = "\(stack.root)/spool-small"
        let tmpfs = stack.mountTmpfs(small.spoolDirectory, megabytes: 2)
        if !tmpfs { small.spoolMaxBytes = 2 * 1024 * 1024 }
        let limited = try pipeline.start(.capture, override: small, supervised: false)
        try waitForStreaming(within: 60)
        let source = try stack.sourceAdmin()
        let device = try source.execute("SELECT max(id)::text FROM devices WHERE kind = 'inverter'").scalar ?? "1"
        try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
            SELECT \(device), timestamptz '2023-01-01 00:00:00-03' + (\(rounds[.spoolFull]!) * 1000000 + g) * interval '15 seconds',
                   round((g % 97)::numeric / 10, 4), 0.5
            FROM generate_series(1, \(plan.spoolFullRows)) g
            """)
        // Past the transaction's commit: a slot confirmed this far would have skipped it.
        let afterCommit = try source.execute("SELECT pg_current_wal_lsn()::text").scalar ?? "0/0"
        let status = limited.waitForExit(within: 120)
        if status == nil { limited.kill9() }
        let log = limited.log
        let clear = status == HelioExit.needsOperator && log.contains("the spool directory \(small.spoolDirectory) is full")
            && log.contains("restart capture")
        let notConfirmed = try source.execute("""
            SELECT confirmed_flush_lsn < $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2
            """, [afterCommit, config.slot]).scalar == "t"
        // Room again: a larger tmpfs (or no cap), the same directory; capture streams the transaction again.
        var roomy = small
        if tmpfs { try stack.resizeTmpfs(small.spoolDirectory, megabytes: 512) } else { roomy.spoolMaxBytes = 0 }
        let lifted = Date()
        let again = try pipeline.start(.capture, override: roomy, supervised: false)
        let seconds = recovery(since: lifted, within: plan.largeRecoveryTimeout)
        let delivered = try eventuallyTrue(within: plan.largeRecoveryTimeout) {
            try stack.sourceAdmin().execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                                            [afterCommit, config.slot]).scalar == "t"
        }
        again.terminate()
        // Every capture of a slot keeps one spool directory (docs/operations.md): it holds the
        // record of what capture delivered and confirmed. This fault borrowed another one, so
        // that record goes back with it; left behind, the suite's capture would find the slot
        // confirmed past its own record, take it for a new slot's history, and a source
        // failover after this fault would take a new snapshot instead of resyncing.
        for file in (try? FileManager.default.contentsOfDirectory(atPath: small.spoolDirectory)) ?? []
        where file.hasPrefix("delivered-") && file.hasSuffix(".position") {
            let target = "\(config.spoolDirectory)/\(file)"
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: "\(small.spoolDirectory)/\(file)", toPath: target)
        }
        try pipeline.start(.capture)
        return FaultReport.Injection(
            fault: fault, survived: clear && notConfirmed && delivered && seconds != nil, recoverySeconds: seconds,
            note: (tmpfs ? "2 MB tmpfs" : "HELIO_SPOOL_MAX_BYTES=2 MB (no tmpfs here)") + ", \(plan.spoolFullRows.formatted())-row transaction; "
                + "capture exit \(status.map(String.init) ?? "none"); "
                + (clear ? "named the directory and what to do" : "unclear: \(limited.logTail(2))")
                + (notConfirmed ? "; slot not confirmed past the transaction" : "; the slot WAS confirmed past the transaction")
                + (delivered ? "; delivered after space was freed" : "; NOT delivered after space was freed"))
    }

    func eventuallyTrue(within seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
        do {
            try eventually("condition", within: seconds, condition)
            return true
        } catch is TimedOut {
            return false
        }
    }
}
