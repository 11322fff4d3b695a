import HelioEvents
import HelioKafka
import HelioOps
import HelioPostgres
import PGOutput

/// What capture keeps to publish Debezium's form (`capture.compatibility: debezium`): the
/// record headers of this run, the `source` templates, the last commit Debezium would name in
/// `source.sequence`, and with `capture.debezium_schemas` each table's Kafka Connect schemas,
/// written once per relation. The encodings themselves are HelioEvents' (`Debezium*`, `Connect*`).
final class DebeziumForm {
    let logicalName: String
    /// `decimal.handling.mode` and `time.precision.mode` (`capture.decimal_handling_mode`,
    /// `capture.time_precision_mode`).
    let settings: DebeziumSettings
    /// `capture.debezium_schemas`: keys and values as `JsonConverter` with `schemas.enable=true`
    /// writes them, `{"schema":…,"payload":…}`.
    let schemas: Bool
    /// `__debezium.context.*`: Debezium's connector context, a new run id per start; one
    /// shared set, whose librdkafka header lists the producer reuses.
    let contextHeaders: SharedHeaders
    /// The end LSN of the last transaction published since this process started (Debezium:
    /// the last commit it processed, null until one); the first element of `sequence`.
    var lastCommitLSN: LSN?
    /// The last commit time seen, for `source.ts_*` of a non-transactional message.
    var lastCommitMicros: Int64?
    private var templates: [String: DebeziumSource.Template] = [:]
    /// What `templates` were rendered for; none at first (no transaction has `micros` .min).
    private var templatesKey = TemplateKey(txID: nil, micros: .min, snapshot: "", lastCommit: nil, origin: nil, originLSN: nil)
    /// The template asked for last: a transaction's changes mostly come table after table.
    private var lastTemplate: (table: String, template: DebeziumSource.Template)?
    private var keySchemas: [String: [UInt8]] = [:]
    /// Per table, what goes before a key's and a value's payload (`{"schema":…,"payload":`);
    /// made at the table's first record after its Relation message.
    private var recordPrefixes: [String: (key: [UInt8], value: [UInt8])] = [:]

    struct TemplateKey: Equatable {
        var txID: Int64?
        var micros: Int64
        var snapshot: String
        var lastCommit: LSN?
        var origin: String?
        var originLSN: UInt64?
    }

    init(logicalName: String, settings: DebeziumSettings = .defaults, schemas: Bool = false) {
        self.logicalName = logicalName
        self.settings = settings
        self.schemas = schemas
        let random = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
        contextHeaders = SharedHeaders(DebeziumHeaders.context(logicalName: logicalName,
                                                               runID: DebeziumHeaders.runID(unixMillis: Clock.unixMillis(), random: random)))
    }

    /// The `source` block of a table in the transaction being published, rendered once.
    func template(table: CapturedTable, builder: EventBuilder, key: TemplateKey) -> DebeziumSource.Template {
        // Compared as the struct it is: an optional key was compared through Optional's
        // generic `==`, by value witnesses, on every row.
        if templatesKey != key {
            templatesKey = key
            templates.removeAll(keepingCapacity: true)
            lastTemplate = nil
        }
        if let lastTemplate, lastTemplate.table == table.qualifiedName { return lastTemplate.template }
        if let cached = templates[table.qualifiedName] {
            lastTemplate = (table.qualifiedName, cached)
            return cached
        }
        let made = DebeziumSource(version: builder.version, name: builder.prefix, db: builder.database, schema: table.schema,
                                  table: table.name, tsUs: key.micros, snapshot: key.snapshot, lastCommitLSN: key.lastCommit?.value,
                                  txId: key.txID, lsn: nil, origin: key.origin, originLSN: key.originLSN).template()
        templates[table.qualifiedName] = made
        lastTemplate = (table.qualifiedName, made)
        return made
    }

    /// The Connect schema of a table's key, for the key headers of a primary-key change.
    func keySchema(_ table: CapturedTable) -> [UInt8] {
        if let cached = keySchemas[table.qualifiedName] { return cached }
        let columns = table.keyColumns.map { table.debeziumColumn($0) }
        let schema = ConnectKeySchema.encode(name: "\(logicalName).\(table.qualifiedName).Key", columns: columns, settings: settings)
        keySchemas[table.qualifiedName] = schema
        return schema
    }

    func forgetTable(_ qualifiedName: String) {
        keySchemas[qualifiedName] = nil
        recordPrefixes[qualifiedName] = nil
    }

    // MARK: - JSON with schemas (capture.debezium_schemas)

    /// What goes before the table's keys and values: nil without schemas.
    func recordPrefixes(_ table: CapturedTable) -> (key: [UInt8], value: [UInt8])? {
        guard schemas else { return nil }
        if let cached = recordPrefixes[table.qualifiedName] { return cached }
        let columns = table.relation.columns.indices.map { table.debeziumColumn($0) }.filter { DebeziumValues.isIncluded(typeOID: $0.typeOID) }
        let value = ConnectSchema.envelope(namePrefix: "\(logicalName).\(table.qualifiedName)", columns: columns, settings: settings)
        let made = (key: ConnectRecord.prefix(schema: keySchema(table)), value: ConnectRecord.prefix(schema: value))
        recordPrefixes[table.qualifiedName] = made
        return made
    }

    /// `__debezium.newkey` / `oldkey`: the other key with its schema, which with schemas is
    /// the key record itself.
    func keyHeader(_ table: CapturedTable, key: [UInt8]) -> [UInt8] {
        schemas ? key : DebeziumHeaders.key(key, schema: keySchema(table))
    }

    /// A logical decoding message's key and value, with their schemas when asked for.
    func messageRecord(key: [UInt8], value: [UInt8]) -> (key: [UInt8], value: [UInt8]) {
        guard schemas else { return (key, value) }
        return (ConnectRecord.wrap(key, prefix: Self.messageKeyPrefix), ConnectRecord.wrap(value, prefix: Self.messageValuePrefix))
    }

    static let messageKeyPrefix = ConnectRecord.prefix(schema: ConnectSchema.messageKey)
    static let messageValuePrefix = ConnectRecord.prefix(schema: ConnectSchema.messageValue)
}

extension DebeziumSettings {
    /// The configuration's `capture.decimal_handling_mode` and `capture.time_precision_mode`
    /// (the same names as Debezium's values).
    init(_ config: HelioConfiguration) {
        self.init(decimalHandling: DecimalHandling(rawValue: config.decimalHandlingMode.rawValue) ?? .precise,
                  timePrecision: TimePrecision(rawValue: config.timePrecisionMode.rawValue) ?? .adaptive)
    }
}

/// Reads what Debezium takes from the catalog about a table's columns: nullability, default
/// expression, a domain's base type, enum-ness and an enum's labels.
struct ColumnCatalog {
    let connection: PostgresConnection

    func columns(schema: String, table: String) throws -> [String: DebeziumColumn] {
        let result = try connection.execute("""
            SELECT a.attname,
                   CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                   CASE WHEN t.typtype = 'd' AND a.atttypmod < 0 THEN t.typtypmod ELSE a.atttypmod END,
                   a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid),
                   coalesce(b.typtype = 'e', false) OR coalesce(e.typtype = 'e', false),
                   (SELECT string_agg(l.enumlabel, ',' ORDER BY l.enumsortorder) FROM pg_enum l
                    WHERE l.enumtypid = CASE WHEN b.typtype = 'e' THEN b.oid ELSE e.oid END)
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END
            LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND a.attnum > 0 AND NOT a.attisdropped
            """, [schema, table])
        var columns: [String: DebeziumColumn] = [:]
        for row in result.rows {
            guard let name = row[0] else { continue }
            columns[name] = DebeziumColumn(name: name, typeOID: UInt32(row[1] ?? "") ?? PGTypeOID.text, typeModifier: Int32(row[2] ?? "") ?? -1,
                                           optional: row[3] != "t", defaultExpression: row[4], isEnum: row[5] == "t",
                                           enumValues: row[6].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? [])
        }
        return columns
    }

    /// The relation's columns in its order; a column the catalog does not know (dropped
    /// since) keeps what the Relation message says.
    func columns(for relation: PGOutputMessage.Relation) throws -> [DebeziumColumn] {
        let known = try columns(schema: relation.namespace, table: relation.name)
        return relation.columns.map { column in
            known[column.name] ?? DebeziumColumn(name: column.name, typeOID: column.typeOID, typeModifier: column.typeModifier)
        }
    }
}

extension CapturedTable {
    /// The column as Debezium sees it (catalog facts when read, else the Relation message's).
    func debeziumColumn(_ index: Int) -> DebeziumColumn {
        if let debeziumColumns, index < debeziumColumns.count { return debeziumColumns[index] }
        let column = relation.columns[index]
        return DebeziumColumn(name: column.name, typeOID: column.typeOID, typeModifier: column.typeModifier, optional: !column.isKey)
    }
}
