import Foundation
@testable import HelioApply
import HelioOps
import HelioPostgres
import Logging

/// A small warehouse with flagged facts, written the way apply writes them: staged changes
/// through `dw.apply_staged` with the shipped default rules. Two plants (units 7 and 8), each
/// with a 4 kW inverter (device 5 on unit 7, device 6 on unit 8).
enum QualityFixture {
    struct Reading {
        var device: Int
        /// `-4.0000` fails energy ≥ 0 (and power ≥ 0: power is 4 × energy); `12.0000` fails
        /// nominal power (4 kW × 15 min × 1.2 = 1.2 kWh); `0.9000` passes.
        var energyKWh: String
        var measuredAt: Date
    }

    struct Transaction {
        var commit: Date
        var readings: [Reading] = []
        /// Irradiance readings of unit 7 (W/m²): above 1,500 fails the default range.
        var irradiance: [(wm2: String, measuredAt: Date)] = []
    }

    static let dimensionsCommit = Date(timeIntervalSince1970: 1_767_225_600)   // 2026-01-01

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Migrates `connection`'s (scratch) warehouse and applies the dimensions and `transactions`
    /// in one batch, in commit order.
    static func apply(_ connection: PostgresConnection, _ transactions: [Transaction]) throws {
        try WarehouseSchema.live.migrate(connection, logger: Logger(label: "test"))
        let config = ApplyService(config: HelioConfiguration(), logger: Logger(label: "test")).applyConfig
        var changes: [String] = [], ends: [String] = []
        var seq = 0, energyID = 0, irradianceID = 0
        func lsn(_ value: Int) -> String { "0/" + String(value, radix: 16, uppercase: true) }
        func change(_ table: String, _ id: Int, _ tx: Int, _ commit: Date, _ after: String) {
            seq += 1
            changes.append("(\(seq), '\(table)', 'c', \(id), '\(lsn(tx * 0x100000 + seq * 0x10))', '\(lsn(tx * 0x100000 + 0xFFFF0))', \(tx), "
                           + "'\(iso(commit))', '\(after)')")
        }
        let first = dimensionsCommit
        change("units", 7, 1, first, #"{"id":7,"name":"Roof","status":"active"}"#)
        change("units", 8, 1, first, #"{"id":8,"name":"Barn","status":"active"}"#)
        change("devices", 5, 1, first, #"{"id":5,"unit_id":7,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}"#)
        change("devices", 6, 1, first, #"{"id":6,"unit_id":8,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}"#)
        ends.append("(1, '\(lsn(0x100000 + 0xFFFF0))', '\(iso(first))', 4, '{\"public.units\":2,\"public.devices\":2}')")
        for (index, transaction) in transactions.sorted(by: { $0.commit < $1.commit }).enumerated() {
            let tx = index + 2
            for reading in transaction.readings {
                energyID += 1
                let power = (Decimal(string: reading.energyKWh)! * 4).description
                change("energy", energyID, tx, transaction.commit,
                       #"{"id":\#(energyID),"device_id":\#(reading.device),"measured_at":"\#(iso(reading.measuredAt))","energy_kwh":"\#(reading.energyKWh)","power_kw":"\#(power)"}"#)
            }
            for reading in transaction.irradiance {
                irradianceID += 1
                change("irradiance", irradianceID, tx, transaction.commit,
                       #"{"id":\#(irradianceID),"unit_id":7,"measured_at":"\#(iso(reading.measuredAt))","irradiance_wm2":"\#(reading.wm2)","module_temp_c":"30.00"}"#)
            }
            let counts = [("public.energy", transaction.readings.count), ("public.irradiance", transaction.irradiance.count)]
                .filter { $0.1 > 0 }.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
            ends.append("(\(tx), '\(lsn(tx * 0x100000 + 0xFFFF0))', '\(iso(transaction.commit))', "
                        + "\(transaction.readings.count + transaction.irradiance.count), '{\(counts)}')")
        }
        try connection.execute("SELECT dw.create_staging()")
        try connection.execute("BEGIN")
        try connection.executeScript("""
            insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
            \(changes.joined(separator: ",\n"));
            insert into pg_temp.stage_tx values
            \(ends.joined(separator: ",\n"));
            """)
        _ = try connection.execute("SELECT dw.apply_staged($1::jsonb)::text", [config])
        try connection.execute("COMMIT")
    }
}
