/// What Helio does with each key of a Debezium PostgreSQL connector's properties, in one table
/// (docs/configuration.md, "Debezium connector properties", shows the same table; a test keeps
/// the two together). A key not in the table is refused, naming the nearest key Helio reads.
enum DebeziumKeyRule: Sendable {
    /// Sets a Helio key: the value converted to the Helio key's text, or a problem (a
    /// `DebeziumValueRefusal`) saying why the value is refused and what to do.
    case mapped(to: String, convert: @Sendable (String) throws -> String)
    /// Part of `source.url`: the libpq keyword it becomes.
    case database(keyword: String)
    /// A table or schema filter: becomes `capture.tables`, resolved when capture starts.
    case tableFilter
    /// Kafka Connect's `topic.creation.default.<setting>`: one setting of `topics.config`.
    case topicSetting(name: String)
    /// Helio does what Debezium does with this value only: any of `accepted` (compared
    /// ignoring case) is fine, anything else is refused with the advice.
    case only(accepted: [String], advice: String)
    /// Accepted and unused: it names something Helio has no use for.
    case ignored(reason: String)
    /// Refused whatever the value, with what to do instead.
    case refused(advice: String)
}

/// A value refused by a rule; `advice` says what to write instead.
struct DebeziumValueRefusal: Error {
    var problem: String
}

enum DebeziumConnectorKeys {
    static let postgresConnector = "io.debezium.connector.postgresql.PostgresConnector"
    static let jsonConverter = "org.apache.kafka.connect.json.JsonConverter"

    static let rules: [String: DebeziumKeyRule] = [
        // Connection: together they make source.url.
        "database.hostname": .database(keyword: "host"),
        "database.port": .database(keyword: "port"),
        "database.user": .database(keyword: "user"),
        "database.password": .database(keyword: "password"),
        "database.dbname": .database(keyword: "dbname"),
        "database.sslmode": .database(keyword: "sslmode"),
        "database.sslrootcert": .database(keyword: "sslrootcert"),
        "database.sslcert": .database(keyword: "sslcert"),
        "database.sslkey": .database(keyword: "sslkey"),
        "database.sslpassword": .database(keyword: "sslpassword"),
        "database.tcpKeepAlive": .only(accepted: ["true"], advice: "Helio always turns TCP keepalives on (docs/configuration.md, Connections); remove the key"),

        // Capture.
        "topic.prefix": .mapped(to: "topics.prefix", convert: { $0 }),
        "slot.name": .mapped(to: "capture.slot", convert: { $0 }),
        "publication.name": .mapped(to: "capture.publication", convert: { $0 }),
        "publication.autocreate.mode": .mapped(to: "capture.autocreate_publication", convert: publicationMode),
        "snapshot.mode": .mapped(to: "capture.snapshot", convert: snapshotMode),
        "tombstones.on.delete": .mapped(to: "capture.tombstones_on_delete", convert: javaBoolean),
        "heartbeat.interval.ms": .mapped(to: "capture.heartbeat_interval_seconds", convert: { try seconds($0, zeroAllowed: true) }),
        "status.update.interval.ms": .mapped(to: "capture.status_interval_seconds", convert: { try seconds($0, zeroAllowed: false) }),
        // Kafka Connect's topic creation (KIP-158), default group only.
        "topic.creation.default.replication.factor": .mapped(to: "topics.replication_factor", convert: replicationFactor),
        "topic.creation.default.partitions": .mapped(to: "topics.partitions", convert: partitions),
        "table.include.list": .tableFilter,
        "table.exclude.list": .tableFilter,
        "schema.include.list": .tableFilter,
        "schema.exclude.list": .tableFilter,

        // Dead letters (Kafka Connect's names; Connect itself honours them for sink connectors only).
        "errors.deadletterqueue.topic.name": .mapped(to: "dlq.topic", convert: { $0 }),
        "errors.deadletterqueue.topic.replication.factor": .mapped(to: "dlq.replication_factor", convert: replicationFactor),
        "errors.deadletterqueue.context.headers.enable": .mapped(to: "dlq.context_headers", convert: javaBoolean),
        "errors.tolerance": .only(accepted: ["none"], advice: """
            capture has no dead-letter path: a change it cannot publish stops it, confirming nothing past that change, \
            so no change is ever skipped; remove the key or set none (apply dead-letters the records it cannot read: dlq.*)
            """),

        // The record form: Helio publishes Debezium's defaults (and transaction metadata).
        "decimal.handling.mode": .mapped(to: "capture.decimal_handling_mode", convert: decimalHandlingMode),
        "time.precision.mode": .mapped(to: "capture.time_precision_mode", convert: timePrecisionMode),
        "interval.handling.mode": .only(accepted: ["numeric"], advice: "Helio's debezium form encodes intervals as microseconds (numeric); remove the key or set numeric"),
        "binary.handling.mode": .only(accepted: ["bytes"], advice: "Helio's debezium form encodes bytea as base64 bytes; remove the key or set bytes"),
        "provide.transaction.metadata": .only(accepted: ["true"], advice: "Helio's debezium form always carries the transaction block and <prefix>.transaction (BEGIN/END), and helio apply needs them to place each change; remove the key or set true, and ignore them downstream if unwanted"),
        "skipped.operations": .only(accepted: ["t"], advice: "Helio's debezium form publishes creates, updates and deletes and skips truncates, as Debezium's default t does; remove the key or set t"),

        // The connector itself.
        "name": .ignored(reason: "Kafka Connect's connector name: Helio has no connector to name"),
        "connector.class": .only(accepted: [postgresConnector, "PostgresConnector"], advice: "Helio reads only a Debezium PostgreSQL connector's properties (\(postgresConnector))"),
        "tasks.max": .only(accepted: ["1"], advice: "Debezium's PostgreSQL connector runs one task, and so does Helio's capture; remove the key or set 1"),
        "plugin.name": .only(accepted: ["pgoutput"], advice: "Helio decodes only pgoutput; set pgoutput (a slot made by decoderbufs cannot be read by Helio: let Helio make a new one)"),
        "slot.drop.on.stop": .only(accepted: ["false"], advice: "Helio never drops its slot when it stops (that would lose changes); drop it with helio slot drop when you mean to"),
        "key.converter": .only(accepted: [jsonConverter], advice: "Helio writes JSON keys as JsonConverter does (with schemas or without: key.converter.schemas.enable)"),
        "value.converter": .only(accepted: [jsonConverter], advice: "Helio writes JSON values as JsonConverter does (with schemas or without: value.converter.schemas.enable)"),
        // Both set capture.debezium_schemas: Helio writes keys and values in one form, so the two must agree.
        "key.converter.schemas.enable": .mapped(to: "capture.debezium_schemas", convert: javaBoolean),
        "value.converter.schemas.enable": .mapped(to: "capture.debezium_schemas", convert: javaBoolean),

        // Refused: Helio has another way, or no such thing.
        "database.server.name": .refused(advice: "Debezium 2.0 replaced it with topic.prefix; use topic.prefix"),
        "database.initial.statements": .refused(advice: "Helio runs no statements of yours on connect; put session settings in the URL's options (HELIO_SOURCE_URL, e.g. options=-c%20work_mem%3D64MB)"),
        "heartbeat.action.query": .refused(advice: "Helio's heartbeat writes a logical decoding message on the source itself (heartbeat.interval.ms sets how often); remove it"),
        "replica.identity.autoset.values": .refused(advice: "use capture.full_image_tables (HELIO_FULL_IMAGE_TABLES): the tables Helio sets to REPLICA IDENTITY FULL"),
        "column.include.list": .refused(advice: "Helio publishes every column of a captured table; remove it"),
        "column.exclude.list": .refused(advice: "Helio publishes every column of a captured table; remove it"),
        "message.key.columns": .refused(advice: "Helio keys records by the primary key (or the replica identity index); remove it"),
        "message.prefix.include.list": .refused(advice: "Helio's debezium form publishes every logical decoding message on <prefix>.message; remove it"),
        "message.prefix.exclude.list": .refused(advice: "Helio's debezium form publishes every logical decoding message on <prefix>.message; remove it"),
        "snapshot.select.statement.overrides": .refused(advice: "Helio snapshots whole tables; re-snapshot part of one with helio snapshot --table T --where SQL"),
        "snapshot.include.collection.list": .refused(advice: "Helio snapshots every captured table when it creates the slot; re-snapshot one later with helio snapshot --table T"),
        "max.batch.size": .refused(advice: tuningAdvice),
        "max.queue.size": .refused(advice: tuningAdvice),
        "max.queue.size.in.bytes": .refused(advice: tuningAdvice),
        "poll.interval.ms": .refused(advice: tuningAdvice),
        "errors.log.enable": .refused(advice: "Helio logs every error (log.*); remove it"),
        "errors.log.include.messages": .refused(advice: "Helio logs every error without record contents; remove it"),
        "errors.retry.timeout": .refused(advice: "Helio retries what can be retried by itself (the source and Kafka, with backoff); remove it"),
        "errors.retry.delay.max.ms": .refused(advice: "Helio retries what can be retried by itself (the source and Kafka, with backoff); remove it"),
    ]

    /// Families of keys refused together, by prefix.
    static let refusedPrefixes: [(prefix: String, advice: String)] = [
        ("transforms", "Helio applies no single message transforms; remove them and transform downstream"),
        ("predicates", "Helio applies no single message transforms, so no predicates; remove them"),
        ("column.", "Helio publishes every column of a captured table as it is; remove it"),
        ("signal.", "Helio takes no signals; re-snapshot a table with helio snapshot --table T"),
        ("incremental.snapshot.", "Helio's incremental snapshot is helio snapshot --table T [--chunk-size N]; remove it"),
        ("key.converter.", "Helio writes JSON keys as JsonConverter does; of its settings only key.converter.schemas.enable is read"),
        ("value.converter.", "Helio writes JSON values as JsonConverter does; of its settings only value.converter.schemas.enable is read"),
        ("producer.override.", "give librdkafka properties to Helio's producer with kafka.properties (HELIO_KAFKA_PROPERTY_*)"),
        ("topic.creation.", "Helio creates every topic with one set of settings: only topic.creation.default.* is read (topics.*)"),
    ]

    /// `topic.creation.default.<setting>`: any topic setting, into `topics.config`.
    static let topicSettingPrefix = "topic.creation.default."

    static let tuningAdvice = "Helio has no such queue: capture hands each change to Kafka's producer as it reads it, and batching is librdkafka's (kafka.properties linger.ms, batch.num.messages); remove it"

    /// The rule for a key: the table, then the refused families; nil when unknown.
    static func rule(_ key: String) -> DebeziumKeyRule? {
        if let rule = rules[key] { return rule }
        if key.hasPrefix(topicSettingPrefix), key.count > topicSettingPrefix.count {
            return .topicSetting(name: String(key.dropFirst(topicSettingPrefix.count)))
        }
        if let family = refusedPrefixes.first(where: { key.hasPrefix($0.prefix) }) { return .refused(advice: family.advice) }
        return nil
    }

    /// The known key nearest to a mistyped one, for "did you mean".
    static func suggestion(for key: String) -> String? {
        let scored = rules.keys.map { ($0, KeySuggestion.distance(key.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        guard let (best, score) = scored, score <= max(2, key.count / 4) else { return nil }
        return best
    }
}
