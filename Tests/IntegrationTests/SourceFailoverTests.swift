import Foundation
import HelioCapture
import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import HelioTestSupport
import Testing

/// Source failover without loss (issue #13 item 2): the source's physical standby is promoted,
/// capture follows it through a multi-host URL, finds its slot missing (PostgreSQL 15 does not
/// copy logical slots), creates it and resyncs every table — incremental snapshots while
/// streaming, plus deletes for rows Kafka shows live that the new primary does not have — and
/// the warehouse ends equal to the promoted primary.
///
/// The fault suite's stack (its source is a primary with a streaming standby; capture's URL
/// names both). Two failovers, because one history cannot hold both kinds of gap: the standby has a prefix
/// of the old primary's WAL, capture published another prefix, and one of them is the longer.
/// 1. Phantoms: the standby is stopped while the primary writes and capture publishes (inserts,
///    updates, deletes the new primary never sees); then the primary dies (-m immediate) and the
///    standby is promoted while capture runs and reconnects by itself.
/// 2. A gap: capture is stopped while the new primary writes and its own standby receives
///    (changes never published); then that primary dies and the second standby is promoted.
@Suite("Source failover", .serialized)
struct SourceFailoverTests {
    @Test("a promoted standby: capture follows it, resyncs, and the warehouse equals the promoted primary, nothing lost or left over")
    func promotedStandby() throws {
        let stack = try FaultStack()
        defer { stack.stop() }
        try stack.start()   // the source's primary and its streaming standby; capture's URL names both
        let (config, pipeline) = try Self.seededPipeline(stack, label: "before the failovers")
        defer { pipeline.shutdown() }
        #expect(config.sourceURL?.contains("target_session_attrs=read-write") == true)

        // 1. Phantoms: published from the old primary, never on the standby.
        try stack.standby.stop(mode: "fast")
        try stack.sourceAdmin().execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
                SELECT 1 + g % 3, timestamptz '2026-03-01' + g * interval '15 minutes', g, 1 FROM generate_series(1, 40) g;
            DELETE FROM energy WHERE id IN (3, 4, 5);
            UPDATE energy SET energy_kwh = 99 WHERE id IN (6, 7);
            UPDATE users SET name = 'phantom name' WHERE id = 1;
            INSERT INTO users (name, email) VALUES ('Phantom', 'phantom@example.com');
            INSERT INTO units (user_id, name) VALUES (2, 'phantom unit');
            DELETE FROM irradiance WHERE id = 1;
            """)
        // The warehouse shows the phantoms: Kafka holds what the new primary will never have.
        try Self.expectEqual("phantoms applied", stack: stack, config: config)
        try stack.failover(startingStandby: true)
        // The workload goes on while capture follows the promoted standby and resyncs.
        try Self.write(try stack.sourceAdmin(), day: "2026-04-01")
        let captureLog = { pipeline.child(.capture)?.log ?? "" }
        try eventually("capture to resync after the first failover", within: 60) { captureLog().contains("resync finished") }
        try Self.write(try stack.sourceAdmin(), day: "2026-04-02")
        try Self.expectEqual("after the first failover", stack: stack, config: config)
        #expect(captureLog().contains("creating it and resyncing"), "capture said why it resynced")
        #expect(Self.deletesPublished(captureLog()) > 0, "the phantom inserts were published as deletes")

        // 2. A gap: on the new primary and its standby, never published by the stream.
        try stack.rebuildStandby()
        pipeline.stop(.capture)
        try stack.sourceAdmin().execute("""
            DELETE FROM energy WHERE id IN (8, 9, 10);
            UPDATE energy SET energy_kwh = 77 WHERE id = 11;
            INSERT INTO energy (device_id, measured_at, energy_kwh) VALUES (2, '2026-05-01', 5), (3, '2026-05-01', 6);
            UPDATE devices SET firmware_version = 'gap' WHERE id = 2;
            INSERT INTO users (name, email) VALUES ('Gap', 'gap@example.com');
            DELETE FROM energy_compensate WHERE id = 1;
            """)
        try stack.standby.waitForReplay(of: stack.source)
        try stack.failover()
        let secondCapture = try pipeline.start(.capture)
        try Self.write(try stack.sourceAdmin(), day: "2026-06-01")
        try eventually("capture to resync after the second failover", within: 60) { secondCapture.log.contains("resync finished") }
        let audit = try Self.expectEqual("after the second failover", stack: stack, config: config)
        #expect(Self.deletesPublished(secondCapture.log) > 0, "the rows deleted in the gap were published as deletes")
        #expect(audit.duplicateRows == 0, "\(audit.details)")
        #expect(audit.invariantViolations == 0, "\(audit.details)")
        #expect(pipeline.unexpectedExits.filter { $0.role == .apply }.isEmpty, "\(pipeline.unexpectedExits)")
    }

    /// The promoted standby's WAL ends megabytes before the old primary's: the new primary's
    /// changes of a row get LSNs *below* the phantom change of the same row published from the
    /// old primary. Apply orders a row's changes by position, so without the timeline in that
    /// order (the `helio.timeline` header) the phantom kept winning and the warehouse kept it.
    @Test("changes on the promoted standby's timeline win over phantoms at higher LSNs of the old timeline")
    func newTimelineBelowPhantoms() throws {
        let stack = try FaultStack()
        defer { stack.stop() }
        try stack.start()
        let (config, pipeline) = try Self.seededPipeline(stack, label: "before the failover")
        defer { pipeline.shutdown() }

        // The standby stops; the old primary writes 30 MB of WAL (a table not published), then
        // changes existing rows of every kind: phantoms at the top of its WAL.
        try stack.standby.stop(mode: "fast")
        let old = try stack.sourceAdmin()
        _ = try old.execute("CREATE TABLE wal_filler AS SELECT g, repeat(md5(g::text), 64) AS pad FROM generate_series(1, 12000) g")
        _ = try old.execute("""
            UPDATE irradiance SET irradiance_wm2 = 1 WHERE id = 2;
            UPDATE energy SET energy_kwh = 55 WHERE id = 14;
            UPDATE users SET name = 'phantom two' WHERE id = 2;
            UPDATE devices SET firmware_version = 'phantom' WHERE id = 3;
            UPDATE energy_compensate SET credit_balance_kwh = 1 WHERE id = 2;
            """)
        let phantomLSN = try #require(try old.execute("SELECT pg_current_wal_lsn() - '0/0'").scalar.flatMap { Double($0) })
        try Self.expectEqual("phantoms applied", stack: stack, config: config)

        try stack.failover(startingStandby: true)
        let new = try stack.sourceAdmin()
        _ = try new.execute("""
            UPDATE irradiance SET irradiance_wm2 = 2 WHERE id = 2;
            UPDATE energy SET energy_kwh = 66 WHERE id = 14;
            UPDATE users SET name = 'after the failover' WHERE id = 2;
            UPDATE devices SET firmware_version = 'after' WHERE id = 3;
            UPDATE energy_compensate SET credit_balance_kwh = 2 WHERE id = 2;
            """)
        let newLSN = try #require(try new.execute("SELECT pg_current_wal_lsn() - '0/0'").scalar.flatMap { Double($0) })
        #expect(newLSN < phantomLSN, "the test needs the new primary's changes below the phantoms' LSNs")
        let captureLog = { pipeline.child(.capture)?.log ?? "" }
        try eventually("capture to resync after the failover", within: 60) { captureLog().contains("resync finished") }
        try Self.write(new, day: "2026-04-01")
        let audit = try Self.expectEqual("after the failover", stack: stack, config: config)
        #expect(audit.duplicateRows == 0, "\(audit.details)")
        #expect(pipeline.unexpectedExits.filter { $0.role == .apply }.isEmpty, "\(pipeline.unexpectedExits)")

        // What capture wrote: the old primary's records name no timeline, the new one's name 2.
        let records = try TopicReader(brokers: stack.broker.brokers).read(["faults.public.irradiance", "faults.transaction"], minimum: 2)
        let timelines = records.map { $0.headers.last { $0.name == "helio.timeline" }.map { String(decoding: $0.value, as: UTF8.self) } }
        #expect(timelines.contains(nil) && timelines.contains("2") && Set(timelines).count == 2, "\(Set(timelines))")
        for (partition, named) in Dictionary(grouping: zip(records, timelines), by: { "\($0.0.topic)/\($0.0.partition)" }) {
            let inOrder = named.sorted { $0.0.offset < $1.0.offset }.map(\.1)
            #expect(inOrder.drop { $0 == nil }.allSatisfy { $0 == "2" }, "\(partition): every record after the failover names timeline 2")
        }
    }

    @Test("on_missing_slot: fail creates nothing; resync recreates the slot and leaves its marker until done; slot drop forgets the slot's history")
    func missingSlotChoices() throws {
        let env = try TestEnvironment("missingslot")
        defer { env.drop() }
        var config = env.userConfiguration()
        try DeliveryMarkerHistoryTests.deliver(env, config: config, date: "2026-01-01")
        let admin = try env.source()
        try DeliveryMarkerHistoryTests.dropSlot(admin, config.slot)
        func slotExists() throws -> Bool {
            try !admin.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [config.slot]).isEmpty
        }

        config.onMissingSlot = .fail
        let refused: String
        do {
            try CaptureService(config: config, logger: env.logger).run(shouldStop: { false })
            refused = "no error"
        } catch {
            refused = "\(error)"
        }
        #expect(refused.contains("is gone, though capture had published from it"), "\(refused)")
        #expect(try !slotExists(), "fail creates nothing")

        config.onMissingSlot = .resync
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let marker = CaptureService.resyncMarker(spoolDirectory: config.spoolDirectory, slot: config.slot)
        try eventually("the resync to finish", within: 60) { !FileManager.default.fileExists(atPath: marker) }
        let users = try env.changes("users", minimum: 2)
        #expect(users.contains { $0.op == .read && $0.source.snapshot == .true && $0.source.txId != 0 },
                "the users were re-read at a watermark, not by an initial snapshot: \(users.map { "\($0.op)" })")
        try capture.finish()

        let drop = try HelioProcess.run(["slot", "drop", "--yes"], config: config)
        #expect(drop.status == 0, "\(drop.output)")
        for file in CaptureService.slotFiles(spoolDirectory: config.spoolDirectory, slot: config.slot) {
            #expect(!FileManager.default.fileExists(atPath: file), "\(file) removed by helio slot drop")
        }
    }

    @Test("a resync cut off after the slot was made resumes at the next start, and deletes a key only Kafka has")
    func resyncResumes() throws {
        let env = try TestEnvironment("resyncresume")
        defer { env.drop() }
        let config = env.userConfiguration()
        try DeliveryMarkerHistoryTests.deliver(env, config: config, date: "2026-01-01")
        // As if capture died right after making the new slot: the slot exists, the marker says
        // the resync is not done, and the topic holds a user the source never had (a phantom).
        let marker = CaptureService.resyncMarker(spoolDirectory: config.spoolDirectory, slot: config.slot)
        FileManager.default.createFile(atPath: marker, contents: Data("public.users\n".utf8))
        let producer = try KafkaProducer(properties: KafkaProducer.defaults(brokers: env.stack.brokers), logger: env.logger)
        let phantom = #"{"before":null,"after":{"id":999999,"name":"ghost"},"source":{"table":"users"},"op":"c","ts_ms":1}"#
        try producer.send(OutgoingRecord(topic: env.topic("users"), key: Array(#"{"id":999999}"#.utf8), value: Array(phantom.utf8)), id: 1)
        #expect(producer.flush(timeoutMilliseconds: 10_000))

        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        try eventually("the resync to finish", within: 60) { !FileManager.default.fileExists(atPath: marker) }
        try capture.finish()
        // The phantom is no complete event (only what the census reads): decode what capture wrote.
        let users = try TopicReader(brokers: env.stack.brokers).read([env.topic("users")], minimum: 3)
            .compactMap { $0.value.flatMap { try? ChangeEnvelope.decode($0) } }
        let deleted = users.filter { $0.op == .delete }.compactMap { $0.before?["id"]?.int64Value }
        #expect(deleted == [999999], "the phantom user was deleted, nothing else: \(deleted)")
        let reread = users.filter { $0.op == .read && $0.source.txId != 0 }
        #expect(!reread.isEmpty, "the users were re-read at a watermark")
    }

    @Test("Debezium's form: a row deleted while the slot was gone is published as a delete and a tombstone by the resync")
    func debeziumFormResync() throws {
        let env = try TestEnvironment("resyncdbz")
        defer { env.drop() }
        var config = env.userConfiguration()
        config.compatibility = .debezium
        try DeliveryMarkerHistoryTests.deliver(env, config: config, date: "2026-01-01")
        let admin = try env.source()
        let id = try #require(try admin.execute("SELECT id::text FROM energy").scalar)
        try DeliveryMarkerHistoryTests.dropSlot(admin, config.slot)
        try admin.execute("DELETE FROM energy")   // in the gap: no slot saw it

        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let marker = CaptureService.resyncMarker(spoolDirectory: config.spoolDirectory, slot: config.slot)
        try eventually("the resync to finish", within: 60) { !FileManager.default.fileExists(atPath: marker) }
        try capture.finish()
        let records = try TopicReader(brokers: env.stack.brokers).read([env.topic("energy")], minimum: 3)
        let keyText = { (record: KafkaRecord) -> String? in
            guard let key = record.key, let object = try? JSONValue.parse(key).objectValue else { return nil }
            return (object["payload"]?.objectValue ?? object)["id"].flatMap { $0.numberText ?? $0.stringValue }
        }
        let deletes = records.filter { record in
            guard let value = record.value, let object = try? JSONValue.parse(value).objectValue else { return false }
            return (object["payload"]?.objectValue ?? object)["op"]?.stringValue == "d"
        }
        #expect(deletes.map(keyText) == [id], "one delete, of the row removed in the gap")
        #expect(records.contains { $0.value == nil && keyText($0) == id }, "and its tombstone")
    }

    /// Capture and apply on the seeded source, caught up, with the standby replayed to the primary.
    static func seededPipeline(_ stack: FaultStack, label: String) throws -> (HelioConfiguration, SupervisedPipeline) {
        let config = stack.configuration(batchSize: 500)
        let pipeline = SupervisedPipeline(config: config, logDirectory: "\(stack.root)/logs")
        do {
            try seed(try stack.sourceAdmin())
            pipeline.startMonitor()
            try pipeline.start(.capture)
            try pipeline.start(.apply)
            try expectEqual(label, stack: stack, config: config)
            try stack.standby.waitForReplay(of: stack.source)
        } catch {
            // What capture and apply said (their logs go with the stack's directory): apply
            // migrates the warehouse only once capture has made the topics.
            let capture = pipeline.child(.capture)?.logTail(30) ?? "(not started)"
            let apply = pipeline.child(.apply)?.logTail(30) ?? "(not started)"
            Issue.record("\(label): \(error)\n--- capture ---\n\(capture)\n--- apply ---\n\(apply)")
            pipeline.shutdown()
            throw error
        }
        return (config, pipeline)
    }

    /// Dimensions, facts, compensation and irradiance rows to start from.
    static func seed(_ source: PostgresConnection) throws {
        try source.execute("""
            INSERT INTO users (name, email) SELECT 'user ' || g, 'user' || g || '@example.com' FROM generate_series(1, 3) g;
            INSERT INTO units (user_id, name) SELECT g, 'unit ' || g FROM generate_series(1, 3) g;
            INSERT INTO devices (unit_id, serial_number, kind) SELECT g, 'SN-' || g, 'inverter' FROM generate_series(1, 3) g;
            INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
                SELECT 1 + g % 3, timestamptz '2026-02-01' + g * interval '15 minutes', g, 2 FROM generate_series(1, 60) g;
            INSERT INTO energy_compensate (unit_id, reference_month, injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
                SELECT g, date '2026-01-01', 100, 50, 50, 10 FROM generate_series(1, 3) g;
            INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2)
                SELECT 1, timestamptz '2026-02-01 12:00' + g * interval '15 minutes', 500 + g FROM generate_series(1, 8) g;
            """)
    }

    /// A little of everything, as a running workload would write it.
    static func write(_ source: PostgresConnection, day: String) throws {
        try source.execute("""
            INSERT INTO energy (device_id, measured_at, energy_kwh)
                SELECT 1 + g % 3, timestamptz '\(day)' + g * interval '15 minutes', g FROM generate_series(1, 20) g;
            UPDATE energy SET energy_kwh = energy_kwh + 1 WHERE id IN (12, 13);
            DELETE FROM energy WHERE id = (SELECT min(id) FROM energy WHERE id > 20);
            UPDATE units SET city = 'city \(day)' WHERE id = 3;
            """)
    }

    /// Waits until the warehouse equals `source` and checks the audit's three counts.
    @discardableResult
    static func expectEqual(_ label: String, stack: FaultStack, config: HelioConfiguration) throws -> WarehouseAudit.Result {
        let audit = try WarehouseAudit.run(label, stack: stack, piiKey: config.piiKey!, timezone: config.timezone,
                                           sampleMinutes: config.sampleMinutes, within: 90)
        #expect(audit.changesLost == 0 && audit.invariantViolations == 0 && audit.duplicateRows == 0, "\(label): \(audit.details)")
        return audit
    }

    /// The rows capture's log says it published as deletes during resyncs.
    static func deletesPublished(_ log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("rows the source no longer has published as deletes") }
            .compactMap { line -> Int? in
                guard let range = line.range(of: "\"rows\":\"") ?? line.range(of: "rows=") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
            .reduce(0, +)
    }
}
