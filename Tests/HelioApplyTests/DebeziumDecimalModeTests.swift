@testable import HelioApply
import HelioEvents
import HelioOps
import Testing

/// Apply reading Debezium's form written with `decimal.handling.mode` `string` and `double`
/// (`capture.decimal_handling_mode`). Records as `helio capture` published them in the
/// conformance runs `--setting decimal.handling.mode=string --setting time.precision.mode=connect`
/// and `--setting decimal.handling.mode=double --setting time.precision.mode=adaptive_time_microseconds`
/// (byte-equal to Debezium 3.6.3's there). The time mode does not show: the contract's tables
/// have no `time` or `timestamp` column, and `timestamptz` and `date` do not depend on it.
@Suite("Apply reads Debezium's string and double decimals")
struct DebeziumDecimalModeTests {
    static let energyInsertString = #"{"before":null,"after":{"id":11,"device_id":7,"measured_at":"2024-04-01T10:00:00.000000Z","energy_kwh":"0.5000","power_kw":"2.0000"},"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconf51c05f7bh","ts_ms":1796578078402,"snapshot":"false","db":"dbzconf51c05f7b","sequence":"[null,\"23488774792\"]","ts_us":1796578078402826,"ts_ns":1796578078402826000,"schema":"public","table":"energy","txId":148955,"lsn":23488774792,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"148955:23488774792","total_order":4,"data_collection_order":1},"op":"c","ts_ms":1796578080613,"ts_us":1796578080613258,"ts_ns":1796578080613258825}"#
    static let energyInsertDouble = #"{"before":null,"after":{"id":11,"device_id":7,"measured_at":"2024-04-01T10:00:00.000000Z","energy_kwh":0.5,"power_kw":2.0},"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconfb7e450f4h","ts_ms":1796578151387,"snapshot":"false","db":"dbzconfb7e450f4","sequence":"[null,\"23910901544\"]","ts_us":1796578151387810,"ts_ns":1796578151387810000,"schema":"public","table":"energy","txId":150115,"lsn":23910901544,"xmin":null,"origin":null,"origin_lsn":null},"transaction":{"id":"150115:23910901544","total_order":4,"data_collection_order":1},"op":"c","ts_ms":1796578159244,"ts_us":1796578159244594,"ts_ns":1796578159244594298}"#
    static let compensateReadDouble = #"{"before":null,"after":{"id":2,"unit_id":2,"reference_month":19723,"injected_kwh":50.0,"consumed_kwh":60.0,"compensated_kwh":50.0,"credit_balance_kwh":0.0,"updated_at":"2026-12-06T17:28:49.827205Z"},"source":{"version":"0.1.0","connector":"postgresql","name":"dbzconfb7e450f4h","ts_ms":1796578131493,"snapshot":"last_in_data_collection","db":"dbzconfb7e450f4","sequence":"[null,\"23636796120\"]","ts_us":1796578131493721,"ts_ns":1796578131493721000,"schema":"public","table":"energy_compensate","txId":149886,"lsn":23636796120,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"r","ts_ms":1796578131525,"ts_us":1796578131525139,"ts_ns":1796578131525139834}"#

    static func after(_ json: String, table: String, id: Int64, mode: HelioConfiguration.DecimalHandlingMode) throws -> JSONObject {
        let change = try DebeziumChange.decode(Array(json.utf8), table: table, key: .id(id), partition: 0, protect: nil, decimalMode: mode).change
        guard case .object(let object)? = change.after else { throw PoisonRecord(reason: "no after") }
        return object
    }

    @Test("string: the decimal text as Debezium wrote it")
    func stringMode() throws {
        let after = try Self.after(Self.energyInsertString, table: "energy", id: 11, mode: .string)
        #expect(after["energy_kwh"] == .string("0.5000"))
        #expect(after["power_kw"] == .string("2.0000"))
        #expect(after["measured_at"] == .string("2024-04-01T10:00:00.000000Z"))
    }

    @Test("double: the JSON number at the column's declared scale; dates still epoch days")
    func doubleMode() throws {
        let energy = try Self.after(Self.energyInsertDouble, table: "energy", id: 11, mode: .double)
        #expect(energy["energy_kwh"] == .string("0.5000"))
        #expect(energy["power_kw"] == .string("2.0000"))
        let compensate = try Self.after(Self.compensateReadDouble, table: "energy_compensate", id: 2, mode: .double)
        #expect(compensate["credit_balance_kwh"] == .string("0.0000"))
        #expect(compensate["reference_month"] == .string("2024-01-01"))
    }

    @Test("a record in another mode than apply's is a poison record, naming the setting")
    func mismatchedMode() {
        #expect(throws: PoisonRecord.self) { try Self.after(Self.energyInsertDouble, table: "energy", id: 11, mode: .string) }
        #expect(throws: PoisonRecord.self) { try Self.after(Self.energyInsertString, table: "energy", id: 11, mode: .double) }
        #expect(throws: PoisonRecord.self) { try Self.after(Self.energyInsertString, table: "energy", id: 11, mode: .precise) }
        do {
            _ = try Self.after(Self.energyInsertDouble, table: "energy", id: 11, mode: .string)
        } catch {
            #expect("\(error)".contains("capture.decimal_handling_mode"), "\(error)")
        }
    }

    @Test("Java's Double.toString forms, rounded to the scale as PostgreSQL rounds a cast")
    func doubleText() {
        #expect(DecimalModeText.plain("1.23456789E9", scale: 4) == "1234567890.0000")
        #expect(DecimalModeText.plain("9.999999999E7", scale: 2) == "99999999.99")
        #expect(DecimalModeText.plain("1.0E-4", scale: 4) == "0.0001")
        #expect(DecimalModeText.plain("1.0E-5", scale: 4) == "0.0000")
        #expect(DecimalModeText.plain("-2.25", scale: 1) == "-2.3")
        #expect(DecimalModeText.plain("0.99995", scale: 4) == "1.0000")
        #expect(DecimalModeText.plain("-0.00001", scale: 4) == "0.0000")
        #expect(DecimalModeText.plain("12", scale: 0) == "12")
        #expect(DecimalModeText.plain("1.5x", scale: 2) == nil)
        #expect(DecimalModeText.plain("", scale: 2) == nil)
    }

    @Test("special values: Debezium's names become PostgreSQL's")
    func specialValues() throws {
        let nan = Self.energyInsertString.replacingOccurrences(of: #""power_kw":"2.0000""#, with: #""power_kw":"NAN""#)
        #expect(try Self.after(nan, table: "energy", id: 11, mode: .string)["power_kw"] == .string("NaN"))
        let infinity = Self.energyInsertDouble.replacingOccurrences(of: #""power_kw":2.0"#, with: #""power_kw":"Infinity""#)
        #expect(try Self.after(infinity, table: "energy", id: 11, mode: .double)["power_kw"] == .string("Infinity"))
    }
}
