import HelioEvents

/// An insert or snapshot read of a fact row (`energy`, `energy_compensate`), staged typed in
/// `pg_temp.stage_facts`. Nearly every change is one of these, and staged typed PostgreSQL
/// neither parses jsonb nor extracts and casts values: that is most of the warehouse's work
/// per fact. Only values PostgreSQL is certain to accept become typed; any other value (the
/// TOAST placeholder, a type or form the contract does not use) leaves the change to
/// `StagedChange`, whose jsonb path treats it exactly as before. Which typed changes really
/// are first changes of new rows is decided in SQL (`dw._route_staged_facts`).
struct StagedFact {
    var sourceTable: String
    var op: ChangeOp
    var rowID: Int64
    var lsn: UInt64
    var commitLSN: UInt64
    var txID: Int64
    var commitMicros: Int64
    /// The typed columns of `stage_facts` after `commit_ts`, in order; nil is NULL.
    var values: [FactValueBinary?]
    /// The Kafka partition it came from: apply counts arrivals per partition (dw._count_arrivals).
    var partition: Int32 = -1

    /// `stage_facts`'s typed columns, and which of them each table's `after` fills.
    static let columns = ["device_id", "measured_at", "energy_kwh", "power_kw", "unit_id", "reference_month",
                          "injected_kwh", "consumed_kwh", "compensated_kwh", "credit_balance_kwh"]
    private static let kinds: [String: [(column: String, kind: FactValueText.Kind)]] = [
        "energy": [("device_id", .bigint), ("measured_at", .timestamptz), ("energy_kwh", .numeric), ("power_kw", .numeric)],
        "energy_compensate": [("unit_id", .bigint), ("reference_month", .date), ("injected_kwh", .numeric),
                              ("consumed_kwh", .numeric), ("compensated_kwh", .numeric), ("credit_balance_kwh", .numeric)],
    ]
    /// As `kinds`, with each column's place in `columns` looked up once.
    private static let layouts = kinds.mapValues { layout in
        layout.map { (column: $0.column, index: columns.firstIndex(of: $0.column)!, kind: $0.kind) }
    }

    /// The change typed, or nil when it must take the jsonb path.
    init?(table: String, op: ChangeOp, rowID: Int64?, source: SourceInfo, after: ArraySlice<UInt8>?) {
        guard op == .create || op == .read, let rowID, let after, let layout = Self.layouts[table],
              let object = (try? JSONValue.parse(after))?.objectValue else { return nil }
        var values = [FactValueBinary?](repeating: nil, count: Self.columns.count)
        for (column, index, kind) in layout {
            guard let value = object[column], !value.isNull else { continue } // absent or null: NULL, as `->>` gives
            guard let typed = FactValueText.typed(value, as: kind) else { return nil }
            values[index] = typed
        }
        self.init(sourceTable: table, op: op, rowID: rowID, lsn: source.lsn, commitLSN: source.commitLSN,
                  txID: source.txId, commitMicros: source.tsUs, values: values)
    }

    init(sourceTable: String, op: ChangeOp, rowID: Int64, lsn: UInt64, commitLSN: UInt64, txID: Int64,
         commitMicros: Int64, values: [FactValueBinary?]) {
        self.sourceTable = sourceTable
        self.op = op
        self.rowID = rowID
        self.lsn = lsn
        self.commitLSN = commitLSN
        self.txID = txID
        self.commitMicros = commitMicros
        self.values = values
    }

    /// `COPY pg_temp.stage_facts` columns, in the order of `copyRow`.
    static let copyColumns = (["seq", "source_table", "op", "row_id", "lsn", "commit_lsn", "tx_id", "commit_ts", "kpartition"] + columns)
        .joined(separator: ", ")

    /// Binary COPY starts with this header (signature, flags, no extension) and ends with
    /// `copyTrailer`; the rows go in between.
    static let copyHeader: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    static let copyTrailer: [UInt8] = [0xFF, 0xFF]

    /// One binary COPY tuple for `pg_temp.stage_facts` (`COPY … FROM STDIN (FORMAT binary)`).
    func copyRow(seq: Int, into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int16(9 + values.count))
        FactValueBinary.bigint(Int64(seq)).write(into: &buffer)
        Self.text(sourceTable, into: &buffer)
        Self.text(op.rawValue, into: &buffer)
        FactValueBinary.bigint(rowID).write(into: &buffer)
        FactValueBinary.bigint(Int64(bitPattern: lsn)).write(into: &buffer)        // pg_lsn: 8 bytes
        FactValueBinary.bigint(Int64(bitPattern: commitLSN)).write(into: &buffer)
        FactValueBinary.bigint(txID).write(into: &buffer)
        FactValueBinary.timestamptz(PostgresTime.postgresMicros(unixMicros: commitMicros)).write(into: &buffer)
        Self.int4(partition, into: &buffer)
        for value in values {
            if let value { value.write(into: &buffer) } else { buffer.appendBigEndian(Int32(-1)) }
        }
    }

    private static func int4(_ value: Int32, into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int32(4))
        buffer.appendBigEndian(value)
    }

    private static func text(_ value: String, into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int32(value.utf8.count))
        buffer.append(contentsOf: value.utf8)
    }
}
