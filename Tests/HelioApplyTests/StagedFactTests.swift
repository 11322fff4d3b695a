@testable import HelioApply
import HelioEvents
import Testing

@Suite("StagedFact: fact inserts staged typed")
struct StagedFactTests {
    static let source = SourceInfo(version: "0.1.0", name: "solar", db: "helio", schema: "public", table: "energy",
                                   txId: 571, lsn: 0x1_0000_0010, commitLSN: 0x1_0000_0020, tsUs: 1_795_912_024_123_456)

    static func fact(_ after: String, table: String = "energy", op: ChangeOp = .create) -> StagedFact? {
        StagedFact(table: table, op: op, rowID: 42, source: source, after: Array(after.utf8)[...])
    }

    @Test("an energy insert: typed columns in order, the others NULL; one binary COPY tuple")
    func energyRow() throws {
        let fact = try #require(Self.fact(#"{"id":42,"device_id":7,"measured_at":"2000-01-01T00:00:00.5+01:00","energy_kwh":"1.2300","power_kw":null}"#))
        #expect(fact.values == [.bigint(7), .timestamptz(-3_599_500_000), .numeric([0, 2, 0, 0, 0, 0, 0, 4, 0, 1, 0x08, 0xFC]),
                                nil, nil, nil, nil, nil, nil, nil])
        var row: [UInt8] = []
        fact.copyRow(seq: 3, into: &row)
        // 19 fields: 4-byte lengths, eight 8-byte values, "energy", "c", the partition's 4 bytes,
        // the numeric's 12 bytes, 7 NULLs
        #expect(Array(row.prefix(2)) == [0, 19])
        #expect(row.count == 2 + 19 * 4 + 8 * 8 + 6 + 1 + 4 + 12)
        #expect(StagedFact.copyColumns.split(separator: ",").count == 19)
    }

    @Test("an energy_compensate snapshot read fills its own columns")
    func compensateRow() throws {
        let fact = try #require(Self.fact(
            #"{"id":42,"unit_id":9,"reference_month":"1999-12-31","injected_kwh":"10.5","consumed_kwh":"-3","compensated_kwh":null,"credit_balance_kwh":"0.0001","updated_at":"2026-01-01T00:00:00Z"}"#,
            table: "energy_compensate", op: .read))
        #expect(fact.op == .read)
        #expect(fact.values == [nil, nil, nil, nil, .bigint(9), .date(-1),
                                .numeric(FactValueBinary.numeric(decimal: Array("10.5".utf8))),
                                .numeric(FactValueBinary.numeric(decimal: Array("-3".utf8))), nil,
                                .numeric(FactValueBinary.numeric(decimal: Array("0.0001".utf8)))])
    }

    @Test("numeric: base-10,000 digits, weight, sign and scale as numeric_send writes them", arguments: [
        ("0", [0, 0, 0, 0, 0, 0, 0, 0]),
        ("-0.00", [0, 0, 0, 0, 0, 0, 0, 2]),
        ("10000", [0, 1, 0, 1, 0, 0, 0, 0, 0, 1]),
        ("-0.0001", [0, 1, 0xFF, 0xFF, 0x40, 0, 0, 4, 0, 1]),
        ("00012.3400", [0, 2, 0, 0, 0, 0, 0, 4, 0, 12, 0x0D, 0x48]),
    ] as [(String, [UInt8])])
    func numeric(text: String, bytes: [UInt8]) {
        #expect(FactValueBinary.numeric(decimal: Array(text.utf8)) == bytes)
    }

    @Test("anything PostgreSQL might refuse, or the contract does not use, takes the jsonb path", arguments: [
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"__debezium_unavailable_value"}"#,
        #"{"device_id":"7","measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1"}"#,
        #"{"device_id":7.5,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-02-30T00:15:00Z","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29 00:15:00+00","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T24:00:00Z","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00.1234567Z","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"infinity","energy_kwh":"1"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1e3"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"NaN"}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1."}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":true}"#,
        #"{"device_id":7,"measured_at":"2026-11-29T00:15:00Z","power_kw":{"x":1}}"#,
        #"{"device_id":99999999999999999999,"measured_at":"2026-11-29T00:15:00Z"}"#,
        #"not json"#,
        #"[1,2]"#,
    ])
    func jsonbPath(after: String) {
        #expect(Self.fact(after) == nil)
    }

    @Test("updates, deletes and tables without a typed layout take the jsonb path")
    func otherChanges() {
        let after = #"{"id":42,"device_id":7,"measured_at":"2026-11-29T00:15:00Z","energy_kwh":"1"}"#
        #expect(Self.fact(after) != nil)
        #expect(Self.fact(after, op: .update) == nil)
        #expect(Self.fact(after, op: .delete) == nil)
        #expect(Self.fact(after, table: "irradiance") == nil)
        #expect(StagedFact(table: "energy", op: .create, rowID: nil, source: Self.source, after: Array(after.utf8)[...]) == nil)
    }

    @Test("timestamps: offsets, fractions and calendar days", arguments: [
        ("2024-02-29T23:59:59.999999+14:00", true), ("2023-02-29T00:00:00Z", false), ("2000-02-29T00:00:00Z", true),
        ("1900-02-29T00:00:00Z", false), ("2026-11-29T00:15:00-03:30", true), ("2026-11-29T00:15:00+16:00", false),
        ("2026-11-29T00:15:00+05:30:15", true), ("2026-11-29T00:15:00+05", false), ("0000-01-01T00:00:00Z", false),
        ("2026-11-29T00:60:00Z", false), ("2026-11-29T00:15:00.Z", false), ("2026-13-01T00:00:00Z", false),
    ])
    func timestamps(text: String, typed: Bool) {
        #expect((FactValueText.unixMicros(Array(text.utf8)) != nil) == typed)
    }
}
