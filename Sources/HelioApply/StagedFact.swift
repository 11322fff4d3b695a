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
    /// The typed columns of `stage_facts` after `commit_ts`, in order, as COPY text; nil is NULL.
    var values: [String?]

    /// `stage_facts`'s typed columns, and which of them each table's `after` fills.
    static let columns = ["device_id", "measured_at", "energy_kwh", "power_kw", "unit_id", "reference_month",
                          "injected_kwh", "consumed_kwh", "compensated_kwh", "credit_balance_kwh"]
    private static let layouts: [String: [(column: String, kind: FactValueText.Kind)]] = [
        "energy": [("device_id", .bigint), ("measured_at", .timestamptz), ("energy_kwh", .numeric), ("power_kw", .numeric)],
        "energy_compensate": [("unit_id", .bigint), ("reference_month", .date), ("injected_kwh", .numeric),
                              ("consumed_kwh", .numeric), ("compensated_kwh", .numeric), ("credit_balance_kwh", .numeric)],
    ]

    /// The change typed, or nil when it must take the jsonb path.
    init?(table: String, op: ChangeOp, rowID: Int64?, source: SourceInfo, after: ArraySlice<UInt8>?) {
        guard op == .create || op == .read, let rowID, let after, let layout = Self.layouts[table],
              let object = (try? JSONValue.parse(after))?.objectValue else { return nil }
        var values = [String?](repeating: nil, count: Self.columns.count)
        for (column, kind) in layout {
            guard let value = object[column], !value.isNull else { continue } // absent or null: NULL, as `->>` gives
            guard let text = FactValueText.typed(value, as: kind), let index = Self.columns.firstIndex(of: column) else { return nil }
            values[index] = text
        }
        self.init(sourceTable: table, op: op, rowID: rowID, lsn: source.lsn, commitLSN: source.commitLSN,
                  txID: source.txId, commitMicros: source.tsUs, values: values)
    }

    init(sourceTable: String, op: ChangeOp, rowID: Int64, lsn: UInt64, commitLSN: UInt64, txID: Int64,
         commitMicros: Int64, values: [String?]) {
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
    static let copyColumns = (["seq", "source_table", "op", "row_id", "lsn", "commit_lsn", "tx_id", "commit_ts"] + columns)
        .joined(separator: ", ")

    /// COPY text row for `pg_temp.stage_facts`. The typed values need no escaping: each is
    /// digits, signs, `.`, `:`, `-`, `T` or `Z` only (`FactValueText`).
    func copyRow(seq: Int, into buffer: inout [UInt8]) {
        buffer.appendDecimalText(Int64(seq))
        buffer.append(0x09)
        buffer.append(contentsOf: sourceTable.utf8)
        buffer.append(0x09)
        buffer.append(contentsOf: op.rawValue.utf8)
        buffer.append(0x09)
        buffer.appendDecimalText(rowID)
        buffer.append(0x09)
        buffer.append(contentsOf: LSNText.format(lsn).utf8)
        buffer.append(0x09)
        buffer.append(contentsOf: LSNText.format(commitLSN).utf8)
        buffer.append(0x09)
        buffer.appendDecimalText(txID)
        buffer.append(0x09)
        PostgresTime.writeISO8601UTC(unixMicros: commitMicros, into: &buffer)
        for value in values {
            buffer.append(0x09)
            if let value { buffer.append(contentsOf: value.utf8) } else { buffer.append(contentsOf: [0x5C, 0x4E]) }
        }
        buffer.append(0x0A)
    }
}
