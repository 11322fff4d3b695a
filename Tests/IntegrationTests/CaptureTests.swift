import Foundation
import HelioEvents
import HelioCapture
import HelioKafka
import HelioTestSupport
import Testing

@Suite("Capture on the local stack", .serialized)
struct CaptureTests {
    @Test("snapshot, then inserts, updates, deletes, truncates and transaction boundaries reach Kafka as the contract says")
    func publishesEveryChange() throws {
        let env = try TestEnvironment("capture")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email, document, phone) VALUES ('Ana Lima', 'ana@example.com', '123.456.789-09', '+55 11 91234-5678');
            INSERT INTO units (user_id, name, city, state, installed_power_kwp) VALUES (1, 'Casa', 'Belo Horizonte', 'MG', 5.500);
            INSERT INTO devices (unit_id, serial_number, kind, nominal_power_kw) VALUES (1, 'INV-1', 'inverter', 5.000);
            """)
        let capture = RunningCapture(env)
        try env.waitForSlot()
        try source.execute("BEGIN")
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw) VALUES (1, '2026-01-15 12:00:00-03', 1.2300, 4.9)")
        try source.execute("UPDATE users SET status = 'suspended' WHERE id = 1")
        try source.execute("COMMIT")
        try source.execute("UPDATE energy SET energy_kwh = 1.5 WHERE id = 1")
        try source.execute("DELETE FROM energy WHERE id = 1")
        try source.execute("INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2) VALUES (1, now(), 812.50)")
        try source.execute("TRUNCATE irradiance")

        let users = try env.changes("users", minimum: 2)
        #expect(users.map(\.op) == [.read, .update])
        #expect(users[0].source.snapshot != .false)
        #expect(users[1].before?["status"] == .string("active"))
        #expect(users[1].after?["status"] == .string("suspended"))
        #expect(users[1].after?["document"] == .string("123.456.789-09"))

        let energy = try env.changes("energy", minimum: 3)
        #expect(energy.map(\.op) == [.create, .update, .delete])
        #expect(energy[0].after?["energy_kwh"] == .string("1.2300"), "numeric keeps its scale as an exact string")
        #expect(energy[0].after?["measured_at"] == .string("2026-01-15T15:00:00Z"))
        #expect(energy[0].after?["id"] == .number("1"))
        #expect(energy[1].after?["energy_kwh"] == .string("1.5000"))
        #expect(energy[2].after == nil)
        // The energy insert and the user update committed together: same txId and commit LSN.
        #expect(energy[0].source.txId == users[1].source.txId)
        #expect(energy[0].source.commitLSN == users[1].source.commitLSN)
        #expect(energy[0].source.tsUs / 1_000 == energy[0].source.tsMs)

        let raw = try TopicReader(brokers: env.stack.brokers).read([env.topic("energy")], minimum: 4)
        let tombstones = raw.filter { $0.value == nil }
        #expect(tombstones.count == 1, "a delete is followed by a tombstone")
        #expect(tombstones.first.flatMap { $0.key.map { String(decoding: $0, as: UTF8.self) } } == #"{"id":1}"#)

        let irradiance = try env.changes("irradiance", minimum: 2)
        #expect(irradiance.map(\.op) == [.create, .truncate])
        let truncateRecord = try TopicReader(brokers: env.stack.brokers).read([env.topic("irradiance")], minimum: 2)
            .first { $0.value.flatMap { try? ChangeEnvelope.decode($0) }?.op == .truncate }
        #expect(truncateRecord?.key == nil, "a truncate event has a null key")

        let boundaries = try TopicReader(brokers: env.stack.brokers).read([env.transactionTopic], minimum: 12)
            .compactMap { $0.value }.map { try TransactionEvent.decode($0) }
        let ends = boundaries.filter { $0.status == .end }
        let shared = try #require(ends.first { $0.id == TransactionEvent.makeID(txId: energy[0].source.txId, commitLSN: energy[0].source.commitLSN) })
        #expect(shared.eventCount == 2)
        #expect(Set(shared.dataCollections.map(\.collection)) == ["public.energy", "public.users"])
        let snapshotEnd = try #require(ends.first { $0.id.hasPrefix("0:") })
        #expect(snapshotEnd.eventCount == 3)
        #expect(boundaries.filter { $0.status == .begin }.count == ends.count)
        try capture.finish()
    }

    @Test("the slot is confirmed only up to what Kafka acknowledged, and an idle slot still advances")
    func confirmsAfterAcknowledgement() throws {
        let env = try TestEnvironment("confirm")
        defer { env.drop() }
        let capture = RunningCapture(env)
        try env.waitForSlot()
        let source = try env.source()
        try source.execute("INSERT INTO users (name, email) VALUES ('Bia', 'bia@example.com')")
        let target = try #require(try source.execute("SELECT pg_current_wal_lsn()::text").scalar)
        _ = try env.changes("users", minimum: 1)
        try eventually("the slot to confirm past the insert") {
            try source.execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                               [target, env.name]).scalar == "t"
        }
        // WAL written elsewhere (no published change) must not stay pinned by the slot.
        try source.execute("CREATE TABLE scratch (x int); INSERT INTO scratch SELECT generate_series(1, 1000)")
        let later = try #require(try source.execute("SELECT pg_current_wal_lsn()::text").scalar)
        try eventually("the idle slot to advance past unrelated WAL", within: 30) {
            try source.execute("SELECT confirmed_flush_lsn >= $1::pg_lsn FROM pg_replication_slots WHERE slot_name = $2",
                               [later, env.name]).scalar == "t"
        }
        try capture.finish()
    }

    @Test("a column added mid-stream appears from the next change on, without a restart")
    func columnAddedMidStream() throws {
        let env = try TestEnvironment("ddl")
        defer { env.drop() }
        let capture = RunningCapture(env)
        try env.waitForSlot()
        let source = try env.source()
        try source.execute("INSERT INTO users (name, email) VALUES ('Caio', 'caio@example.com')")
        try source.execute("ALTER TABLE users ADD COLUMN nickname text")
        try source.execute("INSERT INTO users (name, email, nickname) VALUES ('Duda', 'duda@example.com', 'dd')")
        try source.execute("ALTER TABLE users DROP COLUMN phone")
        try source.execute("INSERT INTO users (name, email) VALUES ('Eva', 'eva@example.com')")
        let users = try env.changes("users", minimum: 3)
        try #require(users.count == 3)
        #expect(users[0].after?["nickname"] == nil)
        #expect(users[1].after?["nickname"] == .string("dd"))
        #expect(users[1].after?["phone"] != nil)
        #expect(users[2].after?["phone"] == nil, "a dropped column disappears from the next change on")
        try capture.finish()
    }

    @Test("an unchanged TOASTed value is filled from the old row image")
    func toastFilledFromOldImage() throws {
        let env = try TestEnvironment("toast")
        defer { env.drop() }
        let capture = RunningCapture(env)
        try env.waitForSlot()
        let source = try env.source()
        // Random hex does not compress, so 20 kB is stored out of line (TOAST).
        try source.execute("INSERT INTO users (name, email, document) SELECT 'Fábio', 'f@example.com', string_agg(md5(random()::text), '') FROM generate_series(1, 600)")
        let document = try #require(try source.execute("SELECT document FROM users").scalar)
        try source.execute("UPDATE users SET status = 'closed'")
        let users = try env.changes("users", minimum: 2)
        try #require(users.count == 2)
        #expect(users[1].after?["document"] == .string(document))
        #expect(users[1].after?["status"] == .string("closed"))
        try capture.finish()
    }

    @Test("a transaction larger than logical_decoding_work_mem streams through the spool, whole and once")
    func largeTransactionStreams() throws {
        let env = try TestEnvironment("large")
        defer { env.drop() }
        var config = env.userConfiguration()
        config.decodingWorkMem = "64kB"
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('G', 'g@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'D', 'inverter');
            """)
        // An aborted streamed transaction must publish nothing.
        try source.execute("BEGIN")
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) SELECT 1, timestamptz '2026-01-01' + g * interval '1 minute', g FROM generate_series(1, 20000) g")
        try source.execute("ROLLBACK")
        try source.execute("INSERT INTO energy (device_id, measured_at, energy_kwh) SELECT 1, timestamptz '2026-01-01' + g * interval '1 minute', g FROM generate_series(1, 50000) g")
        let energy = try env.changes("energy", minimum: 50_000, within: 120)
        #expect(energy.count == 50_000)
        #expect(Set(energy.map { $0.after?["id"]?.int64Value ?? 0 }).count == 50_000)
        #expect(Set(energy.map(\.source.commitLSN)).count == 1)
        #expect(capture.service.metrics.streamedTransactions >= 1, "the server streamed it in progress")
        try capture.finish()
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: env.spoolDirectory).filter { $0.hasPrefix("xid-") }
        #expect(leftovers.isEmpty, "spool files are removed once published")
    }
}

@Suite("Incremental snapshot", .serialized)
struct IncrementalSnapshotTests {
    @Test("helio snapshot re-reads a table while changes stream; the last event of every row is its current state")
    func resnapshotWhileStreaming() throws {
        let env = try TestEnvironment("resnap")
        defer { env.drop() }
        let source = try env.source()
        try source.execute("""
            INSERT INTO users (name, email) VALUES ('R', 'r@example.com');
            INSERT INTO units (user_id, name) VALUES (1, 'U');
            INSERT INTO devices (unit_id, serial_number, kind, firmware_version)
            SELECT 1, 'SN-' || g, 'inverter', '1.0' FROM generate_series(1, 3000) g;
            """)
        var config = env.userConfiguration()
        config.snapshotOnCreate = false // only the incremental snapshot reads the existing rows
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let writer = Thread {
            guard let connection = try? env.source() else { return }
            for round in 0..<40 {
                _ = try? connection.execute("UPDATE devices SET firmware_version = '2.\(round)' WHERE id % 40 = \(round)")
                usleep(30_000)
            }
        }
        writer.start()
        _ = try HelioCapture.IncrementalSnapshot.request(connection: source, table: "public.devices", whereClause: nil, chunkSize: 500)
        try eventually("the writer to finish", within: 60) { writer.isFinished }
        let expected = Dictionary(uniqueKeysWithValues: try source.execute("SELECT id, firmware_version FROM devices").rows.map { ($0[0]!, $0[1]!) })
        var last: [String: String] = [:]
        try eventually("every device's latest state to be in Kafka", within: 90) {
            // Partition order is the order a consumer sees: the last event per key must be the newest.
            let records = try TopicReader(brokers: env.stack.brokers).read([env.topic("devices")], minimum: 3000, within: 10)
            last = [:]
            for record in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
                guard let value = record.value, let event = try? ChangeEnvelope.decode(value), let after = event.after,
                      let id = after["id"]?.int64Value, let firmware = after["firmware_version"]?.stringValue else { continue }
                last[String(id)] = firmware
            }
            return last == expected
        }
        #expect(last == expected)
        #expect(capture.service.metrics.snapshotRows >= 2900, "the existing rows were read by the incremental snapshot")
        try capture.finish()
    }
}
