import HelioEvents
import PGOutput

/// What capture knows of one published table: the latest Relation message and where its
/// changes go. Rebuilt on every connection, because the server sends Relation messages once
/// per connection (and again after a schema change, which then takes effect at once).
public struct CapturedTable: Sendable {
    public let relation: PGOutputMessage.Relation
    public var topic: String
    /// Column positions of the record key: the primary key, else the replica identity columns.
    public var keyColumns: [Int]
    /// The columns as the catalog describes them, for `capture.compatibility: debezium`
    /// (nullability, defaults, domains resolved); nil in Helio's form.
    public var debeziumColumns: [DebeziumColumn]?

    public var schema: String { relation.namespace }
    public var name: String { relation.name }
    /// `schema.table`, made once: every published record names it (Debezium's form twice).
    public let qualifiedName: String

    init(relation: PGOutputMessage.Relation, topic: String, keyColumns: [Int]) {
        self.relation = relation
        self.topic = topic
        self.keyColumns = keyColumns
        qualifiedName = "\(relation.namespace).\(relation.name)"
    }
}

public struct RelationCache: Sendable {
    private var tables: [UInt32: CapturedTable] = [:]
    /// Primary-key column names per schema-qualified table, read from the catalog at start.
    public var primaryKeys: [String: [String]]
    let topics: TopicNames

    public init(topics: TopicNames, primaryKeys: [String: [String]]) {
        self.topics = topics
        self.primaryKeys = primaryKeys
    }

    public mutating func reset() { tables.removeAll() }

    /// Records a Relation message; a changed column list takes effect from here on.
    public mutating func update(_ relation: PGOutputMessage.Relation) throws(CaptureError) {
        let qualified = "\(relation.namespace).\(relation.name)"
        let keyNames = primaryKeys[qualified] ?? []
        var keyColumns = keyNames.compactMap { name in relation.columns.firstIndex { $0.name == name } }
        if keyColumns.count != keyNames.count || keyColumns.isEmpty {
            // No primary key known: the replica identity index columns identify the row.
            keyColumns = relation.columns.indices.filter { relation.columns[$0].isKey }
            if relation.replicaIdentity == .full || keyColumns.isEmpty {
                throw CaptureError.tableWithoutKey(qualified)
            }
        }
        tables[relation.id] = CapturedTable(
            relation: relation, topic: topics.table(schema: relation.namespace, table: relation.name), keyColumns: keyColumns)
    }

    /// The catalog's view of a table's columns (Debezium's form), after its Relation message.
    public mutating func setDebeziumColumns(_ columns: [DebeziumColumn], for id: UInt32) {
        tables[id]?.debeziumColumns = columns
    }

    public func table(_ id: UInt32) throws(CaptureError) -> CapturedTable {
        guard let table = tables[id] else { throw CaptureError.unknownRelation(id) }
        return table
    }
}
