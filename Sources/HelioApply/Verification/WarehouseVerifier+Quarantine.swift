extension WarehouseVerifier {
    /// Source rows whose latest change data quality's quarantine holds back (`held`) or an
    /// operator discarded (`dropped`): the warehouse deliberately keeps what it held before that
    /// change, so these rows, and the aggregates they are part of, are not differences
    /// (`helio quality held` lists them). Row ids per source table, as text.
    func quarantinedRows() throws -> [String: [String]] {
        guard try warehouse.execute("SELECT to_regclass('dw.quarantine') IS NOT NULL").rows.first?[0] == "t" else { return [:] }
        var rows: [String: [String]] = [:]
        for row in try warehouse.execute("""
            SELECT DISTINCT source_table, row_id::text FROM dw.quarantine WHERE status IN ('held', 'dropped') ORDER BY 1, 2
            """).rows {
            rows[row[0] ?? "", default: []].append(row[1] ?? "")
        }
        return rows
    }

    /// `ids` as a PostgreSQL array parameter (`bigint[]`).
    static func idArray(_ ids: [String]?) -> String { "{" + (ids ?? []).joined(separator: ",") + "}" }

    /// The unit-days a quarantined reading belongs to, in the source (its new values) and in the
    /// warehouse (what the mirror holds of it): their climate is not compared.
    func quarantinedUnitDays(_ ids: [String]?) throws -> Set<String> {
        guard let ids, !ids.isEmpty else { return [] }
        let zone = try source.quoteLiteral(timezone)
        let inSource = try source.execute("""
            SELECT unit_id || ' ' || (measured_at AT TIME ZONE \(zone))::date FROM irradiance WHERE id = ANY ($1::bigint[])
            """, [Self.idArray(ids)]).rows
        let inWarehouse = try warehouse.execute("""
            SELECT unit_id || ' ' || local_day FROM dw.irradiance_mirror
             WHERE id = ANY ($1::bigint[]) AND unit_id IS NOT NULL AND local_day IS NOT NULL
            """, [Self.idArray(ids)]).rows
        return Set((inSource + inWarehouse).compactMap { $0[0] })
    }
}
