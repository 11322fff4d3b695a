@testable import HelioApply
import HelioEvents
import HelioPostgres
import HelioTestSupport
import Testing

/// Typed fact rows travel in binary COPY, encoded by Helio (numeric digits, timestamps,
/// dates): PostgreSQL must read back exactly what it reads from the same values as text.
@Suite("StagedFact binary COPY against PostgreSQL")
struct StagedFactCopyTests {
    static let columns = """
        seq bigint, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn, tx_id bigint,
        commit_ts timestamptz, kpartition int, device_id bigint, measured_at timestamptz, energy_kwh numeric, power_kw numeric,
        unit_id bigint, reference_month date, injected_kwh numeric, consumed_kwh numeric, compensated_kwh numeric,
        credit_balance_kwh numeric
        """

    @Test("random decimals, timestamps and dates read back as their text reads")
    func differential() throws {
        var random = SystemRandomNumberGenerator()
        let stack = try LocalStack.fromEnvironment()
        let connection = try PostgresConnection(ConnectionOptions(url: stack.warehouseAdminURL, settings: ["client_min_messages": "warning"]))
        try connection.execute("CREATE TEMP TABLE typed (\(Self.columns))")
        try connection.execute("CREATE TEMP TABLE expected (\(Self.columns.replacingOccurrences(of: "numeric", with: "text").replacingOccurrences(of: "timestamptz", with: "text").replacingOccurrences(of: " date", with: " text")))")

        var binary = StagedFact.copyHeader
        var text: [UInt8] = []
        for seq in 0..<600 {
            let energy = seq % 2 == 0
            let table = energy ? "energy" : "energy_compensate"
            let values: [(String, String?)] = energy
                ? [("device_id", String(Int64.random(in: 1...Int64.max / 2, using: &random))),
                   ("measured_at", Self.timestamp(&random)), ("energy_kwh", Self.decimal(&random)),
                   ("power_kw", seq % 10 == 0 ? nil : Self.decimal(&random))]
                : [("unit_id", String(Int64.random(in: 1...1_000_000, using: &random))), ("reference_month", Self.date(&random)),
                   ("injected_kwh", Self.decimal(&random)), ("consumed_kwh", Self.decimal(&random)),
                   ("compensated_kwh", seq % 7 == 0 ? nil : Self.decimal(&random)), ("credit_balance_kwh", Self.decimal(&random))]
            let after = "{" + values.map { name, value in
                let json = value.map { name.hasSuffix("_id") ? $0 : "\"\($0)\"" } ?? "null"
                return "\"\(name)\":\(json)"
            }.joined(separator: ",") + "}"
            let source = SourceInfo(version: "t", name: "t", db: "t", schema: "public", table: table, txId: Int64(seq),
                                    lsn: UInt64.random(in: 0...UInt64.max, using: &random), commitLSN: UInt64(seq) << 33,
                                    tsUs: Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &random))
            let fact = try #require(StagedFact(table: table, op: .create, rowID: Int64(seq), source: source, after: Array(after.utf8)[...]),
                                    "typed: \(after)")
            fact.copyRow(seq: seq, into: &binary)
            var fields = [String(seq), table, "c", String(seq), LSNText.format(source.lsn), LSNText.format(source.commitLSN),
                          String(seq), PostgresTime.iso8601UTC(unixMicros: source.tsUs), String(fact.partition)]
            for column in StagedFact.columns {
                fields.append(values.first { $0.0 == column }?.1 ?? "\\N")
            }
            text.append(contentsOf: (fields.joined(separator: "\t") + "\n").utf8)
        }
        binary += StagedFact.copyTrailer
        var writer = try connection.copyIn("COPY typed FROM STDIN (FORMAT binary)")
        try writer.write(binary)
        try writer.finish()
        var expected = try connection.copyIn("COPY expected FROM STDIN")
        try expected.write(text)
        try expected.finish()

        let differences = try connection.execute("""
            SELECT t.seq, row(t.*)::text, row(e.*)::text FROM typed t JOIN expected e USING (seq)
             WHERE (t.source_table, t.op, t.row_id, t.lsn, t.commit_lsn, t.tx_id, t.commit_ts, t.device_id, t.measured_at,
                    t.unit_id, t.reference_month)
                   IS DISTINCT FROM
                   (e.source_table, e.op, e.row_id, e.lsn, e.commit_lsn, e.tx_id, e.commit_ts::timestamptz, e.device_id,
                    e.measured_at::timestamptz, e.unit_id, e.reference_month::date)
                OR (t.energy_kwh::text, t.power_kw::text, t.injected_kwh::text, t.consumed_kwh::text,
                    t.compensated_kwh::text, t.credit_balance_kwh::text)
                   IS DISTINCT FROM
                   (e.energy_kwh::numeric::text, e.power_kw::numeric::text, e.injected_kwh::numeric::text,
                    e.consumed_kwh::numeric::text, e.compensated_kwh::numeric::text, e.credit_balance_kwh::numeric::text)
             ORDER BY t.seq LIMIT 5
            """).rows
        #expect(differences.isEmpty, "binary ≠ text: \(differences)")
        #expect(try connection.execute("SELECT count(*) FROM typed").scalar == "600")
    }

    /// Decimals of every shape the contract allows: signs, zeros, long integer and fraction parts.
    static func decimal(_ random: inout SystemRandomNumberGenerator) -> String {
        let specials = ["0", "0.0000", "-0.5", "10000", "00012.3400", "-0.0001", "99999999.9999", "1.000000000001",
                        "12345678901234567890123.45", "-10000.0000"]
        if Int.random(in: 0..<5, using: &random) == 0 { return specials.randomElement(using: &random)! }
        let sign = Bool.random(using: &random) ? "-" : ""
        let integer = String((0..<Int.random(in: 1...22, using: &random)).map { _ in "0123456789".randomElement(using: &random)! })
        let fractionLength = Int.random(in: 0...12, using: &random)
        let fraction = String((0..<fractionLength).map { _ in "0123456789".randomElement(using: &random)! })
        return sign + integer + (fractionLength > 0 ? "." + fraction : "")
    }

    static func date(_ random: inout SystemRandomNumberGenerator) -> String {
        let year = Int.random(in: 1...9999, using: &random)
        let month = Int.random(in: 1...12, using: &random)
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let day = Int.random(in: 1...[31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1], using: &random)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    static func timestamp(_ random: inout SystemRandomNumberGenerator) -> String {
        var text = date(&random) + "T" + pad(Int.random(in: 0...23, using: &random), 2) + ":"
            + pad(Int.random(in: 0...59, using: &random), 2) + ":" + pad(Int.random(in: 0...59, using: &random), 2)
        let fraction = Int.random(in: 0...6, using: &random)
        if fraction > 0 { text += "." + String((0..<fraction).map { _ in "0123456789".randomElement(using: &random)! }) }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: text += "Z"
        case 1: text += (Bool.random(using: &random) ? "+" : "-") + pad(Int.random(in: 0...15, using: &random), 2) + ":"
            + pad(Int.random(in: 0...59, using: &random), 2)
        default: text += (Bool.random(using: &random) ? "+" : "-") + pad(Int.random(in: 0...15, using: &random), 2) + ":"
            + pad(Int.random(in: 0...59, using: &random), 2) + ":" + pad(Int.random(in: 0...59, using: &random), 2)
        }
        return text
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
