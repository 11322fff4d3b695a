import Foundation
@testable import HelioOps
import Testing

/// `--debezium-properties`: a Debezium PostgreSQL connector's properties text into Helio's
/// configuration, or an error naming the Debezium key and its line.
@Suite("Configuration: Debezium connector properties")
struct DebeziumPropertiesTests {
    static let connector = """
        # the inventory connector, as Kafka Connect reads it
        name=inventory-connector
        connector.class=io.debezium.connector.postgresql.PostgresConnector
        tasks.max=1
        plugin.name=pgoutput
        database.hostname=db.internal
        database.port=5433
        database.user=dbz
        database.password=p@ss:w/rd
        database.dbname=inventory
        database.sslmode=verify-full
        topic.prefix=shop
        slot.name=shop_slot
        publication.name=shop_pub
        publication.autocreate.mode=disabled
        table.include.list=public\\\\.orders,inventory\\\\.item.*
        snapshot.mode=no_data
        heartbeat.interval.ms=2500
        status.update.interval.ms=5000
        tombstones.on.delete=true
        decimal.handling.mode=precise
        time.precision.mode=adaptive
        provide.transaction.metadata=true
        errors.deadletterqueue.topic.name=shop-dlq
        errors.deadletterqueue.topic.replication.factor=3
        errors.deadletterqueue.context.headers.enable=false
        """

    /// The configuration from these sources with the properties laid over it.
    static func loaded(_ text: String, environment: [String: String] = [:], file: String? = nil) throws -> LoadedConfiguration {
        var loaded = try load(file: file, environment: environment)
        try loaded.overlay(DebeziumConnectorMapping(text: text, file: "connector.properties"))
        return loaded
    }

    static func failure(_ text: String) -> String {
        do {
            _ = try loaded(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    static func minimal(_ extra: String) -> String { "topic.prefix=shop\n" + extra }

    @Test("Java properties: separators, comments, continuations, escapes")
    func javaProperties() {
        let text = "# comment\n! also a comment\n  a = 1\nb:2\nc 3\nd=one \\\n    two\ne=tab\\there\\u00e9\nf=public\\\\.orders\ng\n"
        let entries = JavaProperties(text: text).entries
        #expect(entries.map(\.key) == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(entries.map(\.value) == ["1", "2", "3", "one two", "tab\there\u{e9}", "public\\.orders", ""])
        #expect(entries.map(\.line) == [3, 4, 5, 6, 8, 9, 10])
    }

    @Test("every mapped key sets its Helio key, and config check says where it came from")
    func mapped() throws {
        let loaded = try Self.loaded(Self.connector)
        let config = loaded.configuration
        #expect(config.sourceURL == "postgresql://dbz:p%40ss%3Aw%2Frd@db.internal:5433/inventory?sslmode=verify-full")
        #expect(config.topicPrefix == "shop")
        #expect(config.slot == "shop_slot" && config.publication == "shop_pub")
        #expect(config.autocreatePublication == false)
        #expect(config.snapshotOnCreate == false)
        #expect(config.heartbeatIntervalSeconds == 2.5 && config.statusIntervalSeconds == 5)
        #expect(config.tableSelection == TableSelection(tables: .include(["public\\.orders", "inventory\\.item.*"])))
        #expect(config.dlqTopic == "shop-dlq" && config.deadLetterTopic == "shop-dlq")
        #expect(config.dlqReplicationFactor == 3 && config.dlqContextHeaders == false)
        #expect(config.tombstonesOnDelete == true)
        #expect(config.decimalHandlingMode == .precise && config.timePrecisionMode == .adaptive)
        let modes = try Self.loaded(Self.minimal("decimal.handling.mode=String\ntime.precision.mode=adaptive_time_microseconds")).configuration
        #expect(modes.decimalHandlingMode == .string && modes.timePrecisionMode == .adaptiveTimeMicroseconds)
        let others = try Self.loaded(Self.minimal("decimal.handling.mode=double\ntime.precision.mode=connect"))
        #expect(others.configuration.decimalHandlingMode == .double && others.configuration.timePrecisionMode == .connect)
        #expect(others.origin(of: "capture.time_precision_mode") == .debezium(key: "time.precision.mode", line: 3))
        try others.configuration.checkDebeziumValueModes()
        #expect(try Self.loaded(Self.minimal("tombstones.on.delete=FALSE")).configuration.tombstonesOnDelete == false)
        #expect(config.compatibility == .debezium)
        #expect(config.fullImageTables.isEmpty)
        #expect(loaded.origin(of: "capture.slot") == .debezium(key: "slot.name", line: 13))
        #expect(loaded.origin(of: "source.url") == .debezium(key: "database.*", line: 6))
        #expect(loaded.origin(of: "capture.tables") == .debezium(key: "table.include.list", line: 16))
        let rows = Dictionary(loaded.rows.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        #expect(rows["source.url"]?.value.contains("p%40ss") == false, "the password is redacted")
        #expect(rows["capture.tables"]?.value.contains("table.include.list=public\\.orders") == true)
        #expect(rows["capture.slot"].map { "\($0.origin)" } == "debezium slot.name (line 13)")
        #expect(loaded.debezium?.ignored.map(\.key) == ["name"])
    }

    @Test("keys the file leaves out: Debezium's slot, publication, every table, no replica identity change, Debezium's records")
    func debeziumDefaults() throws {
        let loaded = try Self.loaded("topic.prefix=shop")
        let config = loaded.configuration
        #expect(config.slot == "debezium" && config.publication == "dbz_publication")
        #expect(config.tableSelection == TableSelection())
        #expect(config.fullImageTables.isEmpty && config.compatibility == .debezium)
        #expect(config.sourceURL == nil, "no database.* key: source.url comes from elsewhere")
        #expect(config.heartbeatIntervalSeconds == 10, "operational keys keep Helio's defaults")
        #expect(loaded.origin(of: "capture.slot") == .debeziumDefault(reason: "no slot.name"))
    }

    @Test("flags and HELIO_* variables win over the properties; the properties win over the YAML file; the YAML file over Debezium's defaults")
    func precedence() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let yaml = try scratch.write("helio.yaml", "capture:\n  slot: from_yaml\n  publication: yaml_pub\n  tables: [public.a]\n")
        let text = Self.minimal("slot.name=from_properties\nheartbeat.interval.ms=1000")
        let fileOnly = try Self.loaded(text, file: yaml)
        #expect(fileOnly.configuration.slot == "from_properties")
        #expect(fileOnly.configuration.publication == "yaml_pub", "the YAML key beats Debezium's default dbz_publication")
        #expect(fileOnly.configuration.tables == ["public.a"] && fileOnly.configuration.tableSelection == nil)
        let withVariable = try Self.loaded(text, environment: ["HELIO_SLOT": "from_env", "HELIO_HEARTBEAT_INTERVAL_SECONDS": "7"], file: yaml)
        #expect(withVariable.configuration.slot == "from_env")
        #expect(withVariable.configuration.heartbeatIntervalSeconds == 7)
        #expect(withVariable.origin(of: "capture.slot") == .environment(name: "HELIO_SLOT"))
        let withTables = try Self.loaded(Self.minimal("table.include.list=public\\\\.b"), file: yaml)
        #expect(withTables.configuration.tableSelection == TableSelection(tables: .include(["public\\.b"])))
        let tablesFromVariable = try Self.loaded(Self.minimal("table.include.list=public\\\\.b"), environment: ["HELIO_TABLES": "public.c"])
        #expect(tablesFromVariable.configuration.tables == ["public.c"] && tablesFromVariable.configuration.tableSelection == nil)
    }

    @Test("Kafka Connect's topic.creation.default.*: partitions, replication factor, and every other setting into topics.config beside Helio's retention.ms=-1")
    func topicCreation() throws {
        let config = try Self.loaded(Self.minimal("""
            topic.creation.default.replication.factor=3
            topic.creation.default.partitions=6
            topic.creation.default.cleanup.policy=compact,delete
            topic.creation.default.compression.type=zstd
            """)).configuration
        #expect(config.topicReplicationFactor == 3 && config.topicPartitions == 6)
        #expect(config.topicConfiguration == ["retention.ms": "-1", "cleanup.policy": "compact,delete", "compression.type": "zstd"])
        let kept = try Self.loaded(Self.minimal("topic.creation.default.retention.ms=604800000")).configuration
        #expect(kept.topicConfiguration == ["retention.ms": "604800000"])
        #expect(Self.failure(Self.minimal("topic.creation.groups=compacted")).contains("only topic.creation.default.* is read"))
        #expect(Self.failure(Self.minimal("topic.creation.default.partitions=-1")).contains("give the number"))
    }

    @Test("every Helio key a Debezium key maps to exists")
    func targetsExist() {
        for (debezium, rule) in DebeziumConnectorKeys.rules {
            guard case .mapped(let path, _) = rule else { continue }
            #expect(HelioConfiguration.key(path) != nil, "\(debezium) maps to \(path), which is not a configuration key")
        }
    }

    @Test("an unknown key is refused by name and line, with the key it probably meant")
    func unknownKey() {
        let text = Self.failure(Self.minimal("slot.nmae=x"))
        #expect(text.contains("slot.nmae") && text.contains("line 2") && text.contains("did you mean 'slot.name'"), "\(text)")
    }

    @Test("a value Helio does not support is refused with the advice", arguments: [
        ("decimal.handling.mode=float", "precise, double, string"),
        ("time.precision.mode=nanoseconds", "adaptive_time_microseconds"),
        ("time.precision.mode=isostring", "adaptive, adaptive_time_microseconds and connect"),
        ("provide.transaction.metadata=false", "transaction block"),
        ("snapshot.mode=always", "helio snapshot --table"),
        ("snapshot.mode=initial_only", "always streams"),
        ("snapshot.mode=when_needed", "refuses to start"),
        ("publication.autocreate.mode=no_tables", "filtered"),
        ("plugin.name=decoderbufs", "pgoutput"),
        ("errors.tolerance=all", "no dead-letter path"),
        ("connector.class=io.debezium.connector.mysql.MySqlConnector", "PostgreSQL"),
    ])
    func unsupportedValue(line: String, advice: String) {
        let text = Self.failure(Self.minimal(line))
        let key = String(line.split(separator: "=")[0])
        #expect(text.contains("configuration: \(key) (debezium properties connector.properties line 2)"), "\(text)")
        #expect(text.contains(advice), "\(text)")
    }

    @Test("a key Helio has another way for is refused with that way", arguments: [
        ("database.server.name=x", "topic.prefix"),
        ("transforms=unwrap", "single message transforms"),
        ("column.exclude.list=public.users.email", "every column"),
        ("max.batch.size=4096", "kafka.properties"),
        ("replica.identity.autoset.values=public.a:FULL", "capture.full_image_tables"),
    ])
    func refusedKey(line: String, advice: String) {
        let text = Self.failure(Self.minimal(line))
        #expect(text.contains("is not supported") && text.contains(advice), "\(text)")
    }

    @Test("what Debezium requires or refuses, Helio does too")
    func structure() {
        let noPrefix = Self.failure("slot.name=x")
        #expect(noPrefix.contains("configuration: topic.prefix (debezium properties connector.properties) is missing"), "\(noPrefix)")
        let noUser = Self.failure(Self.minimal("database.hostname=h\ndatabase.dbname=d"))
        #expect(noUser.contains("configuration: database.user (debezium properties connector.properties) is missing"), "\(noUser)")
        let both = Self.failure(Self.minimal("table.include.list=a\\\\.b\ntable.exclude.list=a\\\\.c"))
        #expect(both.contains("table.exclude.list") && both.contains("keep one"), "\(both)")
        #expect(Self.failure(Self.minimal("slot.name=a\nslot.name=b")).contains("given twice (lines 2 and 3)"))
        #expect(Self.failure(Self.minimal("heartbeat.interval.ms=soon")).contains("milliseconds"))
        #expect(Self.failure(Self.minimal("table.include.list=public\\\\.(")).contains("not a regular expression"))
    }

    @Test("a config provider reference is refused without echoing it")
    func secrets() {
        let provider = Self.failure(Self.minimal("database.password=${file:/run/secrets/pg.properties:password}"))
        #expect(provider.contains("config provider") && !provider.contains("/run/secrets"), "\(provider)")
    }

    @Test("table filters: whole identifiers, any case, include or exclude, schemas too")
    func tableSelection() {
        let candidates = [("public", "orders"), ("public", "orders_archive"), ("inventory", "Items"), ("audit", "log")]
        #expect(TableSelection(tables: .include(["public\\.orders"])).select(candidates) == ["public.orders"])
        #expect(TableSelection(tables: .include(["INVENTORY\\.items"])).select(candidates) == ["inventory.Items"])
        #expect(TableSelection(tables: .exclude(["public\\.orders.*"])).select(candidates) == ["inventory.Items", "audit.log"])
        #expect(TableSelection(tables: nil, schemas: .include(["public"])).select(candidates) == ["public.orders", "public.orders_archive"])
        #expect(TableSelection(schemas: .exclude(["audit"])).select(candidates).count == 3)
        #expect(TableSelection().select(candidates).count == 4)
        #expect(TableSelection.patterns(" a\\.b , c\\,d ,") == ["a\\.b", "c,d"])
    }

    @Test("docs/configuration.md lists every Debezium key Helio reads, refuses or accepts with one value, and no other")
    func documented() throws {
        let text = try ConfigurationDocumentationTests.read("docs/configuration.md")
        let start = try #require(text.range(of: "\n### Every key\n"), "docs/configuration.md has no \"### Every key\" under the Debezium section")
        let end = text.range(of: "\n## ", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        let documented = text[start.upperBound..<end].split(separator: "\n").filter { $0.hasPrefix("| `") }
            .compactMap { $0.dropFirst(3).split(separator: "`").first.map(String.init) }
        let families = Set(DebeziumConnectorKeys.refusedPrefixes.map { $0.prefix } + [DebeziumConnectorKeys.topicSettingPrefix])
        for key in documented {
            let family = key.hasSuffix("*") ? String(key.dropLast()) : nil
            #expect(DebeziumConnectorKeys.rules[key] != nil || family.map(families.contains) == true,
                    "the Debezium section documents \(key), which DebeziumConnectorKeys does not know")
        }
        for key in DebeziumConnectorKeys.rules.keys {
            #expect(documented.contains(key), "the Debezium section of docs/configuration.md has no row for \(key)")
        }
        for family in families { #expect(documented.contains(family + "*"), "no row for the family \(family)*") }
    }
}
