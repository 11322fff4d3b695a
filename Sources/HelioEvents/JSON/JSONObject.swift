/// A JSON object that keeps its keys in insertion order.
///
/// Column order in `before`/`after` follows the table's column order, and the
/// envelope's own keys follow Debezium's; a `Dictionary` would shuffle both. Rows have
/// a few dozen columns at most, so a linear lookup beats hashing here.
public struct JSONObject: Sendable, Equatable {
    /// One `key: value` pair. A struct rather than a tuple so that equality is synthesized.
    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The fields in order. Duplicate keys are kept as parsed; lookups see the first.
    public private(set) var fields: [Field]

    public init() {
        self.fields = []
    }

    public init(_ fields: [(String, JSONValue)]) {
        self.fields = fields.map { Field(key: $0.0, value: $0.1) }
    }

    public init(minimumCapacity: Int) {
        self.fields = []
        self.fields.reserveCapacity(minimumCapacity)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }
    public var keys: [String] { fields.map(\.key) }

    /// The value of the first field named `key`, or nil when there is none.
    public subscript(key: String) -> JSONValue? {
        for field in fields where field.key == key {
            return field.value
        }
        return nil
    }

    /// Adds a field at the end, without checking for an existing key (the caller builds
    /// rows from a relation's distinct column names, so checking would only cost time).
    public mutating func append(_ key: String, _ value: JSONValue) {
        fields.append(Field(key: key, value: value))
    }

    /// Replaces the first field named `key` in place, keeping its position, or appends
    /// it. Capture uses this to swap an unchanged-TOAST placeholder for the old value.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append(Field(key: key, value: value))
        }
    }

    /// Removes the first field named `key` and returns its value.
    @discardableResult
    public mutating func remove(_ key: String) -> JSONValue? {
        guard let index = fields.firstIndex(where: { $0.key == key }) else { return nil }
        return fields.remove(at: index).value
    }

    // Equality is synthesized and order-sensitive: two objects are equal when they hold the
    // same fields in the same order, which is what a byte-exact encoding needs.
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).description }
}
