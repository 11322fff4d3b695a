import HelioPostgres

extension WarehouseVerifier {
    /// Live source rows equal the live current members; deleted rows are current and deleted.
    func dimensionMembers(table: String, dimension: String, naturalKey: String) throws -> [Difference] {
        let check = "\(dimension) members"
        let dimensionColumns = Set(try warehouse.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'dw' AND table_name = $1", [dimension]
        ).rows.compactMap { $0[0] })
        let sourceResult = try source.execute("SELECT * FROM \(table) ORDER BY id")
        var expected: [String: [String: String?]] = [:]
        for row in sourceResult.rows {
            var values: [String: String?] = [:]
            for (index, column) in sourceResult.columns.enumerated() where column != "id" {
                switch column {
                case "document" where table == "users":
                    values.updateValue(row[index].map(personalData.documentHash), forKey: "document_hash")
                case "phone" where table == "users":
                    values.updateValue(row[index].map(PersonalData.maskPhone), forKey: "phone_masked")
                case _ where dimensionColumns.contains(column):
                    values.updateValue(row[index], forKey: column)
                default:
                    break
                }
            }
            expected[row[0] ?? "null"] = values
        }
        let columns = expected.values.first.map { Array($0.keys) } ?? []
        let list = ([naturalKey] + columns).joined(separator: ", ")
        let actual = try keyed(warehouse, "SELECT \(list) FROM dw.\(dimension) WHERE is_current AND NOT is_deleted")
        var differences = compare(check, expected: expected, actual: actual)
        // A member in the warehouse whose source row is gone must be marked deleted, not live.
        let live = Set(expected.keys)
        let deletedButLive = actual.keys.filter { !live.contains($0) }
        differences.removeAll { $0.detail == "in the warehouse but not in the source" }
        differences += deletedButLive.sorted().map { Difference(check: check, key: $0, detail: "deleted in the source but live in the warehouse") }
        return differences
    }

    /// One current row per key; versions 1…n; valid_to(n) = valid_from(n+1); valid_from < valid_to.
    func versionChains(dimension: String, naturalKey: String) throws -> [Difference] {
        let rows = try warehouse.execute("""
            WITH chain AS (
                SELECT \(naturalKey) AS k, version, valid_from, valid_to, is_current,
                       lead(valid_from) OVER (PARTITION BY \(naturalKey) ORDER BY version) AS next_from,
                       row_number() OVER (PARTITION BY \(naturalKey) ORDER BY version) AS position,
                       count(*) FILTER (WHERE is_current) OVER (PARTITION BY \(naturalKey)) AS currents
                FROM dw.\(dimension))
            SELECT k::text, version::text,
                   CASE WHEN currents <> 1 THEN 'has ' || currents || ' current versions'
                        WHEN version <> position THEN 'version numbers have a gap'
                        WHEN next_from IS NOT NULL AND valid_to IS DISTINCT FROM next_from THEN 'valid_to does not meet the next valid_from'
                        WHEN valid_to IS NOT NULL AND valid_from >= valid_to THEN 'valid_from is not before valid_to'
                        WHEN next_from IS NULL AND NOT is_current THEN 'the last version is not current' END
            FROM chain
            WHERE currents <> 1 OR version <> position
               OR (next_from IS NOT NULL AND valid_to IS DISTINCT FROM next_from)
               OR (valid_to IS NOT NULL AND valid_from >= valid_to)
               OR (next_from IS NULL AND NOT is_current)
            """).rows
        return rows.map { Difference(check: "\(dimension) version chain", key: "\($0[0] ?? "?") v\($0[1] ?? "?")", detail: $0[2] ?? "") }
    }

    /// For every source row, the sum of its ledger rows equals its current values (zero once
    /// deleted); rows held in quarantine are left out on both sides.
    func ledgerPerRow() throws -> [Difference] {
        let quarantined = try quarantinedRows()
        let held = { (table: String, rows: [String: [String: String?]]) in
            rows.filter { !(quarantined[table] ?? []).contains($0.key) }
        }
        let energy = try keyed(source, "SELECT id::text, energy_kwh::numeric::text AS generated_kwh FROM energy")
        let energyLedger = try keyed(warehouse, """
            SELECT source_id::text, sum(generated_kwh)::numeric::text AS generated_kwh FROM dw.fact_energy
            WHERE source_table = 'energy' GROUP BY source_id HAVING sum(generated_kwh) <> 0 OR bool_or(entry_kind <> 'reversal')
            """)
        let compensation = try keyed(source, """
            SELECT id::text, injected_kwh::text AS injected_kwh, consumed_kwh::text AS consumed_kwh,
                   compensated_kwh::text AS compensated_kwh FROM energy_compensate
            """)
        let compensationLedger = try keyed(warehouse, """
            SELECT source_id::text, sum(injected_kwh)::text AS injected_kwh, sum(consumed_kwh)::text AS consumed_kwh,
                   sum(compensated_kwh)::text AS compensated_kwh
            FROM dw.fact_energy WHERE source_table = 'energy_compensate' GROUP BY source_id
            """)
        return compare("fact_energy sums per energy row", expected: normalize(held("energy", energy)),
                       actual: normalize(held("energy", dropZero(energyLedger, energy))))
            + compare("fact_energy sums per compensation row", expected: normalize(held("energy_compensate", compensation)),
                      actual: normalize(held("energy_compensate", dropZero(compensationLedger, compensation))))
    }

    /// Generated energy per local day equals the source's (rows held in quarantine left out
    /// on both sides).
    func ledgerPerDay() throws -> [Difference] {
        let zone = try source.quoteLiteral(timezone)
        let held = Self.idArray(try quarantinedRows()["energy"])
        let expected = try keyed(source, """
            SELECT to_char(measured_at AT TIME ZONE \(zone), 'YYYYMMDD'), sum(energy_kwh)::text AS generated_kwh
            FROM energy WHERE NOT (id = ANY ($1::bigint[])) GROUP BY 1
            """, [held])
        let actual = try keyed(warehouse, """
            SELECT date_key::text, sum(generated_kwh)::text AS generated_kwh FROM dw.fact_energy
            WHERE source_table = 'energy' AND NOT (source_id = ANY ($1::bigint[])) GROUP BY 1 HAVING sum(generated_kwh) <> 0
            """, [held])
        return compare("fact_energy sums per local day", expected: normalize(expected), actual: normalize(actual))
    }

    /// dim_day_climate equals the aggregate of the source readings per unit and local day.
    func climate() throws -> [Difference] {
        let zone = try source.quoteLiteral(timezone)
        let expected = try keyed(source, """
            SELECT unit_id || ' ' || (measured_at AT TIME ZONE \(zone))::date, count(*)::text AS sample_count,
                   sum(irradiance_wm2)::text AS sum_irradiance_wm2, round(avg(irradiance_wm2), 6)::text AS avg_irradiance_wm2,
                   max(irradiance_wm2)::text AS peak_irradiance_wm2,
                   round(sum(irradiance_wm2) * \(sampleMinutes) / 60.0 / 1000.0, 6)::text AS irradiation_kwh_m2,
                   min(ambient_temp_c)::text AS min_ambient_temp_c, max(ambient_temp_c)::text AS max_ambient_temp_c,
                   round(avg(module_temp_c), 6)::text AS avg_module_temp_c
            FROM irradiance GROUP BY 1
            """)
        let actual = try keyed(warehouse, """
            SELECT unit_id || ' ' || day, sample_count::text, sum_irradiance_wm2::text, round(avg_irradiance_wm2, 6)::text AS avg_irradiance_wm2,
                   peak_irradiance_wm2::text, round(irradiation_kwh_m2, 6)::text AS irradiation_kwh_m2,
                   min_ambient_temp_c::text, max_ambient_temp_c::text, round(avg_module_temp_c, 6)::text AS avg_module_temp_c
            FROM dw.dim_day_climate WHERE sample_count > 0
            """)
        // (the unit-days of readings held in quarantine are not compared)
        let held = try quarantinedUnitDays(try quarantinedRows()["irradiance"])
        return compare("dim_day_climate", expected: normalize(expected.filter { !held.contains($0.key) }),
                       actual: normalize(actual.filter { !held.contains($0.key) }))
    }

    /// Every unit-day a reading ever reached keeps its climate row, with sample_count 0 and
    /// null aggregates once its readings are gone. The source no longer knows deleted
    /// readings; the warehouse's mirror does (a deleted reading stays there as a tombstone
    /// with its last unit and day, until a truncate), so: every unit-day of the mirror has a
    /// row; a tombstone that does not know its unit-day is reported (the day it left cannot be
    /// checked: its insert never reached apply); a row without readings has every aggregate null.
    ///
    /// Except after a source failover: a reading inserted on the promoted standby before
    /// capture reached it (the gap; docs/operations.md, "Source failover or restore") and
    /// deleted before the resync re-read its table is known to the warehouse only by its
    /// delete, which carries no unit or day. It never reached the warehouse, so no climate row
    /// is owed. Tombstones on a timeline after the warehouse's first (positions moved by
    /// 2^48 a timeline, `SourceTimeline`) are therefore not reported.
    func climateRowsKept() throws -> [Difference] {
        let rows = try warehouse.execute("""
            WITH first_timeline AS (SELECT floor(min(commit_lsn - '0/0') / 2^48) AS t FROM dw.irradiance_mirror)
            SELECT 'dim_day_climate rows kept', 'reading ' || m.id,
                   'deleted in the warehouse without its unit and day: the climate row of the day it left cannot be checked'
            FROM dw.irradiance_mirror m, first_timeline f
            WHERE m.deleted AND (m.unit_id IS NULL OR m.local_day IS NULL) AND floor((m.commit_lsn - '0/0') / 2^48) = f.t
            UNION ALL
            SELECT 'dim_day_climate rows kept', m.unit_id || ' ' || m.local_day,
                   'readings of this unit and day reached the warehouse, but it has no dim_day_climate row'
            FROM (SELECT DISTINCT unit_id, local_day FROM dw.irradiance_mirror
                  WHERE unit_id IS NOT NULL AND local_day IS NOT NULL) m
            WHERE NOT EXISTS (SELECT 1 FROM dw.dim_day_climate c WHERE c.unit_id = m.unit_id AND c.day = m.local_day)
            UNION ALL
            SELECT 'dim_day_climate rows kept', c.unit_id || ' ' || c.day, 'sample_count 0 but an aggregate is not null'
            FROM dw.dim_day_climate c
            WHERE c.sample_count = 0
              AND num_nonnulls(c.sum_irradiance_wm2, c.avg_irradiance_wm2, c.peak_irradiance_wm2, c.irradiation_kwh_m2,
                               c.min_ambient_temp_c, c.max_ambient_temp_c, c.avg_module_temp_c) > 0
            ORDER BY 2
            """).rows
        return rows.map { Difference(check: $0[0] ?? "", key: $0[1] ?? "?", detail: $0[2] ?? "") }
    }

    /// No document in clear in the warehouse, no phone with more than four visible digits.
    func personalDataInClear() throws -> [Difference] {
        let documents = Set(try source.execute("SELECT document FROM users WHERE document IS NOT NULL").rows.compactMap { $0[0] })
        let stored = try warehouse.execute("SELECT user_key::text, document_hash, phone_masked FROM dw.dim_users").rows
        var differences: [Difference] = []
        for row in stored {
            if let hash = row[1], documents.contains(hash) {
                differences.append(Difference(check: "personal data", key: row[0] ?? "?", detail: "document stored in clear"))
            }
            if let phone = row[2], phone.filter(\.isNumber).count > 4 {
                differences.append(Difference(check: "personal data", key: row[0] ?? "?", detail: "phone has more than four visible digits"))
            }
        }
        return differences
    }

    /// Ledger rows that net to zero for a row absent from the source (deleted) are correct.
    func dropZero(_ ledger: [String: [String: String?]], _ source: [String: [String: String?]]) -> [String: [String: String?]] {
        ledger.filter { key, values in
            source[key] != nil || values.values.contains { value in value.map { Double($0) != 0 } ?? false }
        }
    }

    /// Numbers compared by value, so "1.50" and "1.5000" agree.
    func normalize(_ rows: [String: [String: String?]]) -> [String: [String: String?]] {
        rows.mapValues { values in
            values.mapValues { value in
                guard let value, let number = Decimal(string: value) else { return value }
                return "\(number)"
            }
        }
    }
}

import Foundation
