@testable import HelioCapture
import HelioEvents
import PGOutput
import Testing

/// Capture's side of `capture.debezium_schemas`: records framed as `{"schema":…,"payload":…}`
/// around the payload the form writes without schemas, the table's schema rendered once per
/// relation (kept until the next Relation message), key headers that are the key records.
@Suite("Debezium's form with JSON schemas in capture")
struct DebeziumSchemaFormTests {
    static let relation = PGOutputMessage.Relation(id: 16_401, namespace: "public", name: "energy", replicaIdentity: .default, columns: [
        .init(isKey: true, name: "id", typeOID: PGTypeOID.int8, typeModifier: -1),
        .init(isKey: false, name: "energy_kwh", typeOID: PGTypeOID.numeric, typeModifier: 917_512),
    ])
    static let columns = [DebeziumColumn(name: "id", typeOID: PGTypeOID.int8, optional: false),
                          DebeziumColumn(name: "energy_kwh", typeOID: PGTypeOID.numeric, typeModifier: 917_512, optional: false)]

    static func table(_ relation: PGOutputMessage.Relation = relation, columns: [DebeziumColumn] = columns) throws -> CapturedTable {
        var cache = RelationCache(topics: TopicNames(prefix: "solar"), primaryKeys: ["public.energy": ["id"]])
        try cache.update(relation)
        cache.setDebeziumColumns(columns, for: relation.id)
        return try cache.table(relation.id)
    }

    static func builder(schemas: Bool) -> EventBuilder {
        var builder = EventBuilder(version: "test", prefix: "solar", database: "source")
        builder.debezium = DebeziumForm(logicalName: "solar", schemas: schemas)
        return builder
    }

    static let context = EventBuilder.Context(txID: 7, lsn: LSN(1_000), commitLSN: LSN(2_000), commitMicros: 1_700_000_000_000_000,
                                              order: (1, 1))

    @Test("key and value: the schema, then exactly the record written without schemas")
    func framesThePayload() throws {
        let table = try Self.table()
        let row = TupleData(values: [.text("42"), .text("1.5000")])
        let with = Self.builder(schemas: true).change(op: .create, table: table, before: nil, after: row, context: Self.context)
        let without = Self.builder(schemas: false).change(op: .create, table: table, before: nil, after: row, context: Self.context)

        let keyPrefix = ConnectRecord.prefix(schema: ConnectSchema.key(name: "solar.public.energy.Key", columns: [Self.columns[0]]))
        #expect(with.key == ConnectRecord.wrap(without.key, prefix: keyPrefix))
        let valueRange = try #require(ConnectRecord.payloadRange(with.value))
        let schema = ConnectSchema.envelope(namePrefix: "solar.public.energy", columns: Self.columns)
        #expect(Array(with.value[..<valueRange.lowerBound]) == ConnectRecord.prefix(schema: schema))
        // Processing times differ between the two calls: compare up to them.
        let payload = String(decoding: with.value[valueRange], as: UTF8.self)
        let plain = String(decoding: without.value, as: UTF8.self)
        #expect(payload.components(separatedBy: ",\"op\":\"c\"")[0] == plain.components(separatedBy: ",\"op\":\"c\"")[0])
        #expect(String(decoding: with.value, as: UTF8.self).hasSuffix("}}"))
    }

    @Test("the schema is made once per relation: the same bytes for every row, new ones after a Relation message")
    func oncePerRelation() throws {
        let form = DebeziumForm(logicalName: "solar", schemas: true)
        let table = try Self.table()
        let first = try #require(form.recordPrefixes(table))
        let second = try #require(form.recordPrefixes(table))
        #expect(first.value == second.value && first.key == second.key)
        // The first cached prefix is the one handed out again: no new render per row.
        first.value.withUnsafeBufferPointer { a in second.value.withUnsafeBufferPointer { b in #expect(a.baseAddress == b.baseAddress) } }

        // ALTER TABLE … ADD COLUMN note text: a new Relation message, capture forgets the table.
        var altered = Self.relation
        altered.columns.append(.init(isKey: false, name: "note", typeOID: PGTypeOID.text, typeModifier: -1))
        let newTable = try Self.table(altered, columns: Self.columns + [DebeziumColumn(name: "note", typeOID: PGTypeOID.text)])
        #expect(form.recordPrefixes(newTable)?.value == first.value, "cached until the Relation message says otherwise")
        form.forgetTable(newTable.qualifiedName)
        let after = try #require(form.recordPrefixes(newTable))
        #expect(String(decoding: after.value, as: UTF8.self).contains(#"{"type":"string","optional":true,"field":"note"}"#))
        #expect(!String(decoding: first.value, as: UTF8.self).contains(#""field":"note""#))
    }

    @Test("a key change's headers hold the other key as its record (with schemas) or with its schema added (without)")
    func keyHeaders() throws {
        let table = try Self.table()
        let row = TupleData(values: [.text("42"), .null])
        let with = Self.builder(schemas: true)
        let key = with.key(table, row)
        #expect(with.debezium?.keyHeader(table, key: key) == key)
        let without = Self.builder(schemas: false)
        let plainKey = without.key(table, row)
        #expect(String(decoding: plainKey, as: UTF8.self) == #"{"id":42}"#)
        #expect(without.debezium?.keyHeader(table, key: plainKey) == key, "the header is the same bytes in both")
    }

    @Test("logical decoding messages get their fixed schemas only with schemas on")
    func messages() throws {
        let key = DebeziumEnvelope.messageKey(prefix: "app")
        let value = Array(#"{"op":"m"}"#.utf8)
        let plain = DebeziumForm(logicalName: "solar").messageRecord(key: key, value: value)
        #expect(plain.key == key && plain.value == value)
        let framed = DebeziumForm(logicalName: "solar", schemas: true).messageRecord(key: key, value: value)
        #expect(String(decoding: framed.key, as: UTF8.self).hasPrefix(#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"}]"#))
        let range = try #require(ConnectRecord.payloadRange(framed.value))
        #expect(Array(framed.value[range]) == value)
        #expect(String(decoding: framed.value, as: UTF8.self).contains(#""name":"io.debezium.connector.postgresql.MessageValue""#))
    }
}
