/// Record headers that many records carry unchanged: Debezium's four `__debezium.context.*`
/// headers on every table record of a run (`capture.compatibility: debezium`).
///
/// A record given a shared set (``OutgoingRecord/shared``) does not have its headers built
/// per record: the producer makes librdkafka's header list for the set once and gives that
/// one list to every record of the set (`SharedHeaderLists`). Building the list per record
/// cost six allocations and six frees a record, a third of the debezium form's extra CPU,
/// and a list per record in flight held up to 65 MB (docs/benchmarks.md). The bytes on the
/// wire are the same.
public final class SharedHeaders: Sendable {
    public let headers: [(name: String, value: [UInt8])]

    public init(_ headers: [(name: String, value: [UInt8])]) {
        self.headers = headers
    }
}
