/// A transaction boundary on `<prefix>.transaction`, in Debezium's shape.
///
/// The applier counts a transaction's events against END's `data_collections` to know
/// when every change committed before a fact has arrived (contract §3), so END must list
/// each table the transaction touched with its exact number of events.
public struct TransactionEvent: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case begin = "BEGIN"
        case end = "END"
    }

    /// How many events of one transaction went to one table.
    public struct DataCollection: Sendable, Equatable {
        /// `<schema>.<table>`, e.g. `public.energy` (no topic prefix, as in Debezium).
        public var collection: String
        public var eventCount: Int

        public init(collection: String, eventCount: Int) {
            self.collection = collection
            self.eventCount = eventCount
        }
    }

    public var status: Status
    /// `<txId>:<commit_lsn>`, both decimal.
    public var id: String
    /// Total events of the transaction; nil on BEGIN, which is sent before they are known.
    public var eventCount: Int?
    /// Per-table counts; empty on BEGIN, where it is written as null.
    public var dataCollections: [DataCollection]
    /// The commit time (Unix ms).
    public var tsMs: Int64

    public init(status: Status, id: String, eventCount: Int?, dataCollections: [DataCollection], tsMs: Int64) {
        self.status = status
        self.id = id
        self.eventCount = eventCount
        self.dataCollections = dataCollections
        self.tsMs = tsMs
    }

    public static func begin(txId: Int64, commitLSN: UInt64, tsMs: Int64) -> TransactionEvent {
        TransactionEvent(status: .begin, id: makeID(txId: txId, commitLSN: commitLSN),
                         eventCount: nil, dataCollections: [], tsMs: tsMs)
    }

    /// END with `event_count` the sum of the per-table counts, so the two cannot disagree.
    public static func end(txId: Int64, commitLSN: UInt64, tsMs: Int64, dataCollections: [DataCollection]) -> TransactionEvent {
        TransactionEvent(status: .end, id: makeID(txId: txId, commitLSN: commitLSN),
                         eventCount: dataCollections.reduce(0) { $0 + $1.eventCount },
                         dataCollections: dataCollections, tsMs: tsMs)
    }

    public static func makeID(txId: Int64, commitLSN: UInt64) -> String {
        "\(txId):\(commitLSN)"
    }

    /// Splits an id `<txId>:<commit_lsn>`; nil when it is not of that form.
    public static func splitID(_ id: String) -> (txId: Int64, commitLSN: UInt64)? {
        guard let colon = id.firstIndex(of: ":"),
              let txId = Int64(id[..<colon], radix: 10),
              let commitLSN = UInt64(id[id.index(after: colon)...], radix: 10)
        else { return nil }
        return (txId, commitLSN)
    }

    public var txId: Int64? { Self.splitID(id)?.txId }
    public var commitLSN: UInt64? { Self.splitID(id)?.commitLSN }
}
