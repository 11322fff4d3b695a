@testable import HelioApply
import HelioEvents
import Testing

/// Records as `helio capture` published them with `capture.compatibility: debezium` in a
/// `make conformance` run (byte-equal to Debezium 3.6.3's there), read back by apply.
@Suite("Apply reads Debezium's record form")
struct DebeziumChangeTests {
    static let energyInsert = #"{"before":null,"after":{"id":11,"device_id":7,"measured_at":"2024-04-01T10:00:00.000000Z","energy_kwh":"E4g=","power_kw":"TiA="},"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconfd9991843h","ts_ms":1796573898592,"snapshot":"false","db":"dbzconfd9991843","sequence":"[null,\"16953478944\"]","ts_us":1796573898592409,"ts_ns":1796573898592409000,"schema":"public","table":"energy","txId":105697,"lsn":16953478944,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"105697:16953478944","total_order":4,"data_collection_order":1},"op":"c","ts_ms":1796573899115,"ts_us":1796573899115572,"ts_ns":1796573899115572266}"#
    static let deviceSnapshotLast = #"{"before":null,"after":{"id":6,"unit_id":3,"serial_number":"SN-6","manufacturer":"Fronius","model":"Primo","kind":"weather_station","nominal_power_kw":"Kvg=","firmware_version":"1.2.6","status":"active","installed_at":19364,"created_at":"2026-12-06T16:18:10.803114Z","updated_at":"2026-12-06T16:18:10.803114Z"},"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconfd9991843h","ts_ms":1796573891494,"snapshot":"last","db":"dbzconfd9991843","sequence":"[null,\"16953477776\"]","ts_us":1796573891494167,"ts_ns":1796573891494167000,"schema":"public","table":"devices","txId":105695,"lsn":16953477776,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"r","ts_ms":1796573891512,"ts_us":1796573891512241,"ts_ns":1796573891512241497}"#
    static let compensateDelete = #"{"before":{"id":2,"unit_id":0,"reference_month":0,"injected_kwh":null,"consumed_kwh":null,"compensated_kwh":null,"credit_balance_kwh":null,"updated_at":"1970-01-01T00:00:00.000000Z"},"after":null,"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconfd9991843h","ts_ms":1796573898594,"snapshot":"false","db":"dbzconfd9991843","sequence":"[\"16953495696\",\"16953495696\"]","ts_us":1796573898594868,"ts_ns":1796573898594868000,"schema":"public","table":"energy_compensate","txId":105705,"lsn":16953495696,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"105705:16953495696","total_order":1,"data_collection_order":1},"op":"d","ts_ms":1796573899119,"ts_us":1796573899119846,"ts_ns":1796573899119846561}"#

    static func decode(_ json: String, table: String, id: Int64) throws -> DebeziumChange {
        try DebeziumChange.decode(Array(json.utf8), table: table, key: .id(id), partition: 2, protect: nil)
    }

    static func after(_ change: StagedChange) -> JSONObject? {
        if case .object(let object)? = change.after { return object }
        return nil
    }

    @Test("a streamed insert: numerics at their declared scale, no commit position (joined to the END in the warehouse)")
    func streamedInsert() throws {
        let decoded = try Self.decode(Self.energyInsert, table: "energy", id: 11)
        let change = decoded.change
        #expect(change.op == .create && change.rowID == 11 && change.txID == 105697 && change.lsn == 16953478944)
        #expect(change.commitLSN == nil)
        #expect(change.commitMicros == 1796573898592409)
        #expect(decoded.snapshotEnd == nil)
        let after = try #require(Self.after(change))
        #expect(after["energy_kwh"] == .string("0.5000"))
        #expect(after["power_kw"] == .string("2.0000"))
        #expect(after["measured_at"] == .string("2024-04-01T10:00:00.000000Z"))
        var row: [UInt8] = []
        change.copyRow(seq: 1, into: &row)
        #expect(String(decoding: row, as: UTF8.self).hasPrefix("1\tenergy\tc\t11\t3/F2818F20\t\\N\t105697\t"))
    }

    @Test("the snapshot's last row: at the consistent point (lsn one below it), dates from epoch days, and an END for the snapshot")
    func snapshotLast() throws {
        let decoded = try Self.decode(Self.deviceSnapshotLast, table: "devices", id: 6)
        #expect(decoded.change.op == .read)
        #expect(decoded.change.commitLSN == 16953477776 && decoded.change.lsn == 16953477775)
        let after = try #require(Self.after(decoded.change))
        #expect(after["installed_at"] == .string("2023-01-07"))
        #expect(after["nominal_power_kw"] == .string("11.000"))
        let end = try #require(decoded.snapshotEnd)
        #expect(end.commitLSN == 16953477776 && end.eventCount == 0 && end.collections.isEmpty)
    }

    @Test("every snapshot row, not only the last, makes its position known (the transaction topic can run ahead of it)")
    func snapshotRow() throws {
        let row = Self.deviceSnapshotLast.replacingOccurrences(of: #""snapshot":"last""#, with: #""snapshot":"true""#)
        #expect(try Self.decode(row, table: "devices", id: 6).snapshotEnd?.commitLSN == 16953477776)
    }

    @Test("a delete keeps its key; Debezium's zeros in `before` of a default-identity table are only converted")
    func delete() throws {
        let change = try Self.decode(Self.compensateDelete, table: "energy_compensate", id: 2).change
        #expect(change.op == .delete && change.rowID == 2 && change.after == nil)
    }

    @Test("numerics: negative, zero, fractions below one, wider than 64 bits, and the {scale, value} form")
    func numerics() {
        #expect(DecimalBytes.text(base64: "/2o=", scale: 2) == "-1.50")     // 0xFF6A = -150
        #expect(DecimalBytes.text(base64: "AA==", scale: 4) == "0.0000")
        #expect(DecimalBytes.text(base64: "BQ==", scale: 3) == "0.005")
        #expect(DecimalBytes.text(base64: "BQ==", scale: 0) == "5")
        #expect(DecimalBytes.text(base64: "AQAAAAAAAAAAAA==", scale: 2) == "47223664828696452136.96")  // 2^72 / 100
        #expect(DecimalBytes.text(base64: "gA==", scale: 1) == "-12.8")
        #expect(DecimalBytes.text(base64: "not base64!", scale: 1) == nil)
    }

    @Test("a value that is not Debezium's numeric is a poison record, not a wrong number")
    func badNumeric() {
        let bad = Self.energyInsert.replacingOccurrences(of: #""energy_kwh":"E4g=""#, with: #""energy_kwh":"1.5""#)
        #expect(throws: PoisonRecord.self) { try Self.decode(bad, table: "energy", id: 11) }
    }

    @Test("the TOAST placeholder is kept for the warehouse to keep what it holds")
    func placeholder() throws {
        let row = Self.energyInsert.replacingOccurrences(of: #""power_kw":"TiA=""#, with: #""power_kw":"__debezium_unavailable_value""#)
        let after = try #require(Self.after(try Self.decode(row, table: "energy", id: 11).change))
        #expect(after["power_kw"] == .string("__debezium_unavailable_value"))
    }

    @Test("an incremental snapshot read sits at its position in source.sequence, and ends it")
    func incremental() throws {
        let row = Self.deviceSnapshotLast
            .replacingOccurrences(of: #""snapshot":"last""#, with: #""snapshot":"incremental""#)
            .replacingOccurrences(of: #""sequence":"[null,\"16953477776\"]""#, with: #""sequence":"[\"16953477000\",\"16953479000\"]""#)
            .replacingOccurrences(of: #""txId":105695,"lsn":16953477776"#, with: #""txId":null,"lsn":null"#)
        let decoded = try Self.decode(row, table: "devices", id: 6)
        #expect(decoded.change.lsn == 16953479000 && decoded.change.commitLSN == 16953479000)
        #expect(decoded.snapshotEnd?.commitLSN == 16953479000)
    }
}
