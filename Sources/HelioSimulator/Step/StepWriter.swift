import HelioPostgres

/// Writes one step in one transaction, a few multi-row statements per table, and counts
/// the rows the server changed.
struct StepWriter {
    let connection: PostgresConnection
    let billing: BillingWriter

    struct Outcome {
        var counts: [String: ChangeCounts] = [:]
        var users: [UserRecord] = []
        var units: [UnitRecord] = []
        var devices: [DeviceRecord] = []
    }

    func write(_ plan: StepPlan, fleet: Fleet) throws -> Outcome {
        var outcome = Outcome()
        try connection.execute("BEGIN")
        do {
            try writeDimensions(plan, into: &outcome)
            try writeFacts(plan, into: &outcome)
            if let month = plan.billingMonth {
                outcome.counts["energy_compensate", default: ChangeCounts()].inserts += try billing.bill(month: month, units: fleet.units)
            }
            if !plan.billRevisions.isEmpty {
                outcome.counts["energy_compensate", default: ChangeCounts()].updates += try billing.revise(plan.billRevisions)
            }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        return outcome
    }

    private func writeDimensions(_ plan: StepPlan, into outcome: inout Outcome) throws {
        if !plan.newEntities.isEmpty {
            let created = try FleetStore(connection: connection).insert(plan.newEntities)
            (outcome.users, outcome.units, outcome.devices) = created
            outcome.counts["users", default: ChangeCounts()].inserts += created.users.count
            outcome.counts["units", default: ChangeCounts()].inserts += created.units.count
            outcome.counts["devices", default: ChangeCounts()].inserts += created.devices.count
        }
        var updates: [String: Int] = [:]
        updates["users", default: 0] += try update("users", set: "status", type: "text", plan.userStatus.map { ($0.id, $0.status) })
        updates["users", default: 0] += try update("users", set: "email", type: "text", plan.userEmail.map { ($0.id, $0.email) })
        updates["users", default: 0] += try update("users", set: "phone", type: "text", plan.userPhone.map { ($0.id, $0.phone) })
        updates["units", default: 0] += try update("units", set: "tariff_class", type: "text", plan.unitTariff.map { ($0.id, $0.tariff) })
        updates["units", default: 0] += try update("units", set: "user_id", type: "bigint", plan.unitOwner.map { ($0.id, String($0.userID)) })
        updates["units", default: 0] += try update("units", set: "installed_power_kwp", type: "numeric",
                                                   plan.unitPower.map { ($0.id, Text.decimal($0.kwp, places: 3)) })
        updates["devices", default: 0] += try update("devices", set: "firmware_version", type: "text",
                                                     plan.deviceFirmware.map { ($0.id, $0.firmware) })
        updates["devices", default: 0] += try update("devices", set: "unit_id", type: "bigint",
                                                     plan.deviceMoves.map { ($0.id, String($0.unitID)) })
        for (table, count) in updates { outcome.counts[table, default: ChangeCounts()].updates += count }
    }

    /// `UPDATE public.<table> SET <column> = v.value, updated_at = now()` for many rows at once.
    private func update(_ table: String, set column: String, type: String, _ changes: [(Int64, String)]) throws -> Int {
        guard !changes.isEmpty else { return 0 }
        return try ValuesBatch(types: ["bigint", type]).execute(
            connection, prefix: "UPDATE public.\(table) AS t SET \(column) = v.value, updated_at = now() FROM (VALUES ",
            suffix: ") AS v(id, value) WHERE t.id = v.id", rows: changes.map { [String($0.0), $0.1] })
    }

    private func writeFacts(_ plan: StepPlan, into outcome: inout Outcome) throws {
        let irradianceTypes = ValuesBatch(types: ["bigint", "bigint", "timestamptz", "numeric", "numeric", "numeric"])
        let energyTypes = ValuesBatch(types: ["bigint", "timestamptz", "numeric", "numeric"])
        func irradianceRow(_ r: IrradianceReading) -> [String?] {
            [String(r.unitID), r.stationID.map(String.init), Timestamp.iso(r.instant), Text.decimal(r.irradiance, places: 2),
             Text.decimal(r.moduleTemp, places: 2), Text.decimal(r.ambientTemp, places: 2)]
        }
        func energyRow(_ r: EnergyReading) -> [String?] {
            [String(r.deviceID), Timestamp.iso(r.instant), Text.decimal(r.energyKWh, places: 4), Text.decimal(r.powerKW, places: 4)]
        }
        var irradiance = ChangeCounts(), energy = ChangeCounts()

        irradiance.inserts = try irradianceTypes.execute(connection, prefix: """
            INSERT INTO public.irradiance (unit_id, device_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c) VALUES
            """, suffix: " ON CONFLICT (unit_id, measured_at) DO NOTHING", rows: plan.irradiance.map(irradianceRow))
        energy.inserts = try energyTypes.execute(connection, prefix: """
            INSERT INTO public.energy (device_id, measured_at, energy_kwh, power_kw) VALUES
            """, suffix: " ON CONFLICT (device_id, measured_at) DO NOTHING", rows: plan.energy.map(energyRow))

        energy.updates = try energyTypes.execute(connection, prefix: """
            UPDATE public.energy AS t SET energy_kwh = v.energy_kwh, power_kw = v.power_kw FROM (VALUES
            """, suffix: """
            ) AS v(device_id, measured_at, energy_kwh, power_kw)
            WHERE t.device_id = v.device_id AND t.measured_at = v.measured_at
            """, rows: plan.energyCorrections.map(energyRow))
        energy.deletes = try ValuesBatch(types: ["bigint", "timestamptz"]).execute(connection, prefix: """
            DELETE FROM public.energy AS t USING (VALUES
            """, suffix: """
            ) AS v(device_id, measured_at) WHERE t.device_id = v.device_id AND t.measured_at = v.measured_at
            """, rows: plan.energyDeletes.map { [String($0.deviceID), Timestamp.iso($0.instant)] })

        irradiance.updates = try irradianceTypes.execute(connection, prefix: """
            UPDATE public.irradiance AS t SET irradiance_wm2 = v.irradiance_wm2, module_temp_c = v.module_temp_c,
                ambient_temp_c = v.ambient_temp_c FROM (VALUES
            """, suffix: """
            ) AS v(unit_id, device_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
            WHERE t.unit_id = v.unit_id AND t.measured_at = v.measured_at
            """, rows: plan.irradianceCorrections.map(irradianceRow))
        irradiance.deletes = try ValuesBatch(types: ["bigint", "timestamptz"]).execute(connection, prefix: """
            DELETE FROM public.irradiance AS t USING (VALUES
            """, suffix: """
            ) AS v(unit_id, measured_at) WHERE t.unit_id = v.unit_id AND t.measured_at = v.measured_at
            """, rows: plan.irradianceDeletes.map { [String($0.unitID), Timestamp.iso($0.instant)] })

        outcome.counts["irradiance", default: ChangeCounts()].add(irradiance)
        outcome.counts["energy", default: ChangeCounts()].add(energy)
    }
}

extension ChangeCounts {
    mutating func add(_ other: ChangeCounts) {
        inserts += other.inserts
        updates += other.updates
        deletes += other.deletes
    }
}
