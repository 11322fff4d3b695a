/// What Debezium's encoding of a column depends on beyond its value: the type (a domain
/// resolved to its base type, as Debezium does), the type modifier (numeric scale, time
/// precision), and, for the value it writes where the row has none (`before` of a delete on
/// a table without `REPLICA IDENTITY FULL`) and in its Connect schema, whether the column is
/// NOT NULL and its default.
public struct DebeziumColumn: Sendable, Equatable {
    public var name: String
    /// The base type's OID (a domain's `typbasetype`).
    public var typeOID: UInt32
    public var typeModifier: Int32
    /// Debezium's "optional": the column may be null.
    public var optional: Bool
    /// `pg_get_expr(adbin, adrelid)`, when the column has a default.
    public var defaultExpression: String?
    /// The type (or an array type's element) is an enum: its text is the value.
    public var isEnum: Bool
    /// An enum's labels in their order (`pg_enum.enumsortorder`): the `allowed` parameter of
    /// its Connect schema (`io.debezium.data.Enum`).
    public var enumValues: [String]

    public init(name: String, typeOID: UInt32, typeModifier: Int32 = -1, optional: Bool = true,
                defaultExpression: String? = nil, isEnum: Bool = false, enumValues: [String] = []) {
        self.name = name
        self.typeOID = typeOID
        self.typeModifier = typeModifier
        self.optional = optional
        self.defaultExpression = defaultExpression
        self.isEnum = isEnum
        self.enumValues = enumValues
    }
}
