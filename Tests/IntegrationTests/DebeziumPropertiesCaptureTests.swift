import Foundation
import HelioEvents
import HelioKafka
import HelioOps
import HelioTestSupport
import Testing

/// `--debezium-properties` with the built binary: a Debezium PostgreSQL connector's file is
/// all `helio capture` is told about the source, the slot, the publication, the topics and the
/// tables (regular expressions), and the records land in the topics it names.
@Suite("helio capture --debezium-properties (the built binary, local stack)", .serialized)
struct DebeziumPropertiesCaptureTests {
    /// A connector file for this test's scratch source database, as Kafka Connect would read it.
    static func connectorFile(_ env: TestEnvironment, directory: String, tables: String = "public\\\\.users,public\\\\.uni.*",
                              name: String = "connector.properties") throws -> String {
        let admin = try #require(URLComponents(string: env.stack.sourceAdminURL))
        let text = """
            # written by DebeziumPropertiesCaptureTests
            name=\(env.name)-connector
            connector.class=io.debezium.connector.postgresql.PostgresConnector
            tasks.max=1
            plugin.name=pgoutput
            database.hostname=\(admin.host ?? "127.0.0.1")
            database.port=\(admin.port ?? 5432)
            database.user=\(admin.user ?? "postgres")
            database.password=\(admin.password ?? "")
            database.dbname=\(env.name)_src
            topic.prefix=\(env.name)
            slot.name=\(env.name)
            publication.name=\(env.name)_pub
            publication.autocreate.mode=filtered
            # users, and every table whose name starts with uni (units): a regular expression
            table.include.list=\(tables)
            snapshot.mode=initial
            heartbeat.interval.ms=1000
            status.update.interval.ms=1000
            tombstones.on.delete=false
            decimal.handling.mode=precise
            provide.transaction.metadata=true
            errors.deadletterqueue.topic.name=\(env.name)-dead
            errors.deadletterqueue.context.headers.enable=true
            """
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The variables the local stack exports would win over the file: unset them.
    /// One partition per topic, so that a topic's records come back in commit order.
    static let cleared = ["HELIO_SOURCE_URL", "HELIO_SLOT", "HELIO_PUBLICATION", "HELIO_TOPIC_PREFIX", "HELIO_TABLES",
                          "HELIO_FULL_IMAGE_TABLES", "HELIO_COMPATIBILITY", "HELIO_HEARTBEAT_INTERVAL_SECONDS"]
        .reduce(into: ["HELIO_TOPIC_PARTITIONS": "1"]) { $0[$1] = "" }

    @Test("the file's slot, publication, prefix and tables; Debezium's records in <topic.prefix>.<schema>.<table>, deletes without tombstones; the dead-letter topic it names")
    func captureFromProperties() throws {
        let env = try TestEnvironment("dbzprops")
        defer { env.drop() }
        let directory = NSTemporaryDirectory() + "helio-\(env.name)-properties"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try env.source()
        try source.execute("INSERT INTO users (name, email) VALUES ('Ana', 'ana@example.com')")
        try source.execute("INSERT INTO units (user_id, name, installed_power_kwp) VALUES (1, 'Casa', 5.500)")
        // Helio's default would set it FULL (capture.full_image_tables); Debezium leaves it alone.
        try source.execute("ALTER TABLE public.users REPLICA IDENTITY DEFAULT")

        let file = try Self.connectorFile(env, directory: directory)
        let check = try HelioProcess.run(["config", "check", "--debezium-properties", file], config: env.configuration(), environment: Self.cleared)
        #expect(check.status == 0 && check.output.contains("source: the Debezium properties select public.units,public.users"), "\(check.output)")

        let capture = try HelioProcess(["capture", "--debezium-properties", file],
                                       config: env.configuration(), logPath: directory + "/capture.log", environment: Self.cleared)
        defer { if capture.isRunning { capture.terminate() } }
        try env.waitForSlot()
        try source.execute("INSERT INTO units (user_id, name, installed_power_kwp) VALUES (1, 'Sítio', 12.250)")
        try source.execute("INSERT INTO devices (unit_id, serial_number, kind) VALUES (1, 'INV-1', 'inverter')")
        // tombstones.on.delete=false: the delete comes with no tombstone before the next change.
        try source.execute("DELETE FROM units WHERE name = 'Sítio'")
        try source.execute("INSERT INTO units (user_id, name, installed_power_kwp) VALUES (1, 'Fim', 1.000)")

        let reader = TopicReader(brokers: env.stack.brokers)
        let users = try reader.read([env.topic("users")], minimum: 1).compactMap(\.value).map { try JSONValue.parse($0).objectValue }
        let unitRecords = try reader.read([env.topic("units")], minimum: 4)
        #expect(unitRecords.allSatisfy { $0.value != nil }, "no tombstone (tombstones.on.delete=false)")
        let units = try unitRecords.compactMap(\.value).map { try JSONValue.parse($0).objectValue }
        #expect(users.count == 1 && units.count == 4, "\(capture.log)")
        #expect(users.first??["op"]?.stringValue == "r", "the initial snapshot (snapshot.mode=initial)")
        #expect(units.compactMap { $0?["op"]?.stringValue } == ["r", "c", "d", "c"], "one partition: in commit order")
        let created = try #require(units[1]?["after"]?.objectValue)
        // Debezium's precise decimal: the unscaled value's bytes in base64 (12250 = 0x2FDA), not Helio's "12.250".
        #expect(created["installed_power_kwp"]?.stringValue == "L9o=", "\(created)")
        let origin = try #require(units[1]?["source"]?.objectValue)
        #expect(origin["connector"]?.stringValue == "postgresql" && origin["name"]?.stringValue == env.name)
        #expect(origin["db"]?.stringValue == "\(env.name)_src")

        let topics = try KafkaProducer(properties: ["bootstrap.servers": env.stack.brokers], logger: env.logger).topics()
        #expect(topics[env.topic("devices")] == nil, "devices matches no pattern: no topic")
        #expect(topics["\(env.name)-dead"] != nil, "the dead-letter topic errors.deadletterqueue.topic.name names")
        let published = try source.execute("SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", ["\(env.name)_pub"])
            .rows.compactMap { $0[0] }
        #expect(published == ["units", "users"], "publication.autocreate.mode=filtered: the selected tables")
        let identity = try source.execute("SELECT relreplident::text FROM pg_class WHERE oid = 'public.users'::regclass").scalar
        #expect(identity == "d", "Debezium changes no replica identity (replica.identity.autoset.values is empty)")
        #expect(capture.terminate() == 0, "\(capture.log)")

        let nothing = try Self.connectorFile(env, directory: directory, tables: "public\\\\.nothing_here", name: "nothing.properties")
        let refused = try HelioProcess.run(["capture", "--debezium-properties", nothing], config: env.configuration(), environment: Self.cleared)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.contains("capture.tables (debezium properties) selects no table of the source"), "\(refused.output)")
    }

    @Test("config check shows what each Debezium key set; an unsupported value stops capture with exit 64 naming the key and line")
    func checkAndRefuse() throws {
        let directory = try ConfigCheckTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.properties"
        try "topic.prefix=shop\nslot.name=shop_slot\ntable.include.list=public\\\\.orders\ndatabase.hostname=db\ndatabase.user=dbz\ndatabase.password=hunter2\ndatabase.dbname=shop\n"
            .write(toFile: good, atomically: true, encoding: .utf8)
        let check = try ConfigCheckTests.helio(["config", "check", "--offline", "--debezium-properties", good, "--log-format", "text"])
        #expect(check.status == 0, "\(check.output)")
        let rows = ConfigCheckTests.rows(check.output)
        #expect(rows["capture.slot"]?.value == "shop_slot" && rows["capture.slot"]?.source == "debezium slot.name (line 2)", "\(check.output)")
        #expect(rows["topics.prefix"]?.value == "shop")
        #expect(rows["capture.publication"]?.value == "dbz_publication" && rows["capture.publication"]?.source.hasPrefix("debezium default") == true)
        #expect(rows["capture.compatibility"]?.value == "debezium")
        #expect(rows["source.url"]?.value == "postgresql://dbz:***@db/shop", "\(check.output)")
        #expect(!check.output.contains("hunter2"))
        let overridden = try ConfigCheckTests.helio(["config", "check", "--offline", "--debezium-properties", good, "--slot", "flag_slot"],
                                                    environment: ["HELIO_TOPIC_PREFIX": "env_prefix"])
        let overriddenRows = ConfigCheckTests.rows(overridden.output)
        #expect(overriddenRows["capture.slot"]?.value == "flag_slot" && overriddenRows["topics.prefix"]?.value == "env_prefix", "\(overridden.output)")
        #expect(overridden.output.contains("slot.name (line 2) is overridden by flag --slot, which sets capture.slot"), "\(overridden.output)")
        #expect(overridden.output.contains("topic.prefix (line 1) is overridden by env HELIO_TOPIC_PREFIX"), "\(overridden.output)")

        let bad = directory + "/bad.properties"
        try "topic.prefix=shop\ntime.precision.mode=nanoseconds\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try ConfigCheckTests.helio(["capture", "--debezium-properties", bad])
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.contains("configuration: time.precision.mode (debezium properties \(bad) line 2) is 'nanoseconds'"), "\(refused.output)")
        #expect(refused.output.contains("adaptive_time_microseconds"), "\(refused.output)")
    }
}
