/// The Kafka topics of one capture, named by the data contract (§2).
public struct TopicNames: Sendable, Equatable {
    public var prefix: String

    /// The contract's default prefix.
    public static let defaultPrefix = "solar"

    public init(prefix: String = TopicNames.defaultPrefix) {
        self.prefix = prefix
    }

    /// `<prefix>.<schema>.<table>`, e.g. `solar.public.energy`.
    public func table(schema: String, table: String) -> String {
        "\(prefix).\(schema).\(table)"
    }

    /// `<prefix>.transaction`: BEGIN/END boundary events.
    public var transaction: String { "\(prefix).transaction" }

    /// `<prefix>.dlq`: records the applier could not decode or apply.
    public var dlq: String { "\(prefix).dlq" }

    /// `<prefix>.message`: logical decoding messages, in `capture.compatibility: debezium`
    /// (Debezium's topic for them).
    public var message: String { "\(prefix).message" }

    /// The schema and table of a table topic of this prefix; nil for other topics
    /// (including `transaction` and `dlq`). Splits at the first dot after the prefix, so a
    /// table name may contain dots but a schema name may not.
    public func parseTable(topic: String) -> (schema: String, table: String)? {
        guard topic.hasPrefix(prefix + ".") else { return nil }
        let rest = topic.dropFirst(prefix.count + 1)
        guard let dot = rest.firstIndex(of: "."), dot != rest.startIndex, rest.index(after: dot) != rest.endIndex
        else { return nil }
        return (String(rest[..<dot]), String(rest[rest.index(after: dot)...]))
    }
}
