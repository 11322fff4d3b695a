import HelioPostgres

/// A seeded, randomized mix of every kind of change the contract names — inserts, corrections,
/// moves, deletes, owner changes, status changes — in transactions of one or several tables.
/// Tests run it against the source and then check the warehouse with the verifier.
public struct RandomWorkload {
    var random: SplitMix

    public init(seed: UInt64) {
        random = SplitMix(seed: seed)
    }

    /// Creates a few users, units and devices.
    public mutating func seed(_ connection: PostgresConnection, users: Int = 4) throws {
        for index in 0..<users {
            try connection.execute("""
                INSERT INTO users (name, email, document, phone) VALUES ($1, $2, $3, $4)
                """, ["User \(index)", "user\(index)-\(random.next() % 100000)@example.com",
                      "\(100 + index).456.789-0\(index % 10)", "+55 11 9\(1000 + index)-\(1000 + index)"])
        }
        try connection.execute("""
            INSERT INTO units (user_id, name, city, state, installed_power_kwp, tariff_class, utility, latitude, longitude)
            SELECT u.id, 'Plant ' || u.id || '-' || g, 'Campinas', 'SP', 7.500, 'B1', 'CPFL', -22.9, -47.06
            FROM users u, generate_series(1, 2) g
            """)
        try connection.execute("""
            INSERT INTO devices (unit_id, serial_number, kind, manufacturer, model, nominal_power_kw, firmware_version, installed_at)
            SELECT id, 'SN-' || id || '-' || g, CASE WHEN g = 1 THEN 'weather_station' ELSE 'inverter' END, 'Fronius', 'Primo',
                   5.000, '1.0.' || g, date '2025-03-01'
            FROM units, generate_series(1, 2) g
            """)
    }

    /// Runs `transactions` transactions of random changes. With `truncates`, the mix also
    /// truncates every truncatable table now and then (the fact tables and irradiance alone,
    /// and rarely `users` with CASCADE, which empties every table; the fleet is seeded again
    /// in the same transaction), and adds the shapes that test batch boundaries: bursts of
    /// readings for one unit-day, all the readings of a unit-day deleted at once, readings
    /// moved to another day, compensation rows moved to another month or unit.
    public mutating func run(_ connection: PostgresConnection, transactions: Int, truncates: Bool = false) throws {
        // The SQL side's random() follows the same seed, so a run can be repeated.
        try connection.execute("SELECT setseed($1)", [String(Double(random.next() % 1000) / 1000)])
        for _ in 0..<transactions {
            try connection.execute("BEGIN")
            for _ in 0..<(1 + Int(random.next() % 4)) { try change(connection, truncates: truncates) }
            try connection.execute("COMMIT")
        }
    }

    /// The extra shapes of `run(…, truncates: true)`.
    mutating func edgeCase(_ connection: PostgresConnection, kind: UInt64, day: UInt64) throws {
        let date = "2026-02-\(day < 10 ? "0" : "")\(day)"
        switch kind {
        case 20...23:
            // a burst: several readings of one unit and local day in one transaction
            try connection.execute("""
                INSERT INTO irradiance (unit_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
                SELECT u.id, timestamptz '\(date) 06:00:00-03' + g * interval '15 minutes',
                       round((random() * 1000)::numeric, 2), round((20 + random() * 30)::numeric, 2),
                       round((15 + random() * 15)::numeric, 2)
                FROM (SELECT id FROM units ORDER BY random() LIMIT 1) u, generate_series(0, \(3 + random.next() % 6)) g
                ON CONFLICT DO NOTHING
                """)
        case 24, 25:
            // every reading of one unit-day goes (its climate row stays, with sample_count 0)
            try connection.execute("""
                DELETE FROM irradiance WHERE (unit_id, (measured_at AT TIME ZONE 'America/Sao_Paulo')::date) =
                    (SELECT unit_id, (measured_at AT TIME ZONE 'America/Sao_Paulo')::date FROM irradiance ORDER BY random() LIMIT 1)
                """)
        case 26, 27:
            // a reading moves to the next day
            try connection.execute("""
                UPDATE irradiance SET measured_at = measured_at + interval '1 day', ambient_temp_c = ambient_temp_c + 1
                WHERE id = (SELECT id FROM irradiance ORDER BY random() LIMIT 1)
                AND NOT EXISTS (SELECT 1 FROM irradiance i2 WHERE i2.unit_id = irradiance.unit_id
                                AND i2.measured_at = irradiance.measured_at + interval '1 day')
                """)
        case 28:
            try connection.execute("TRUNCATE irradiance")
        case 29:
            try connection.execute("TRUNCATE energy")
        case 30:
            try connection.execute("TRUNCATE energy_compensate")
        case 32:
            // a compensation row moves to another month (a reversal and an original in the ledger)
            try connection.execute("""
                UPDATE energy_compensate SET reference_month = (reference_month + interval '1 month')::date
                WHERE id = (SELECT id FROM energy_compensate ORDER BY random() LIMIT 1)
                AND NOT EXISTS (SELECT 1 FROM energy_compensate c2 WHERE c2.unit_id = energy_compensate.unit_id
                                AND c2.reference_month = (energy_compensate.reference_month + interval '1 month')::date)
                """)
        case 33:
            // a compensation row moves to another unit
            try connection.execute("""
                UPDATE energy_compensate SET unit_id = u.id FROM (SELECT id FROM units ORDER BY random() LIMIT 1) u
                WHERE energy_compensate.id = (SELECT id FROM energy_compensate ORDER BY random() LIMIT 1)
                AND NOT EXISTS (SELECT 1 FROM energy_compensate c2 WHERE c2.unit_id = u.id
                                AND c2.reference_month = energy_compensate.reference_month)
                """)
        default:
            if random.next() % 4 == 0 {
                // everything goes; a new fleet (new ids) comes in the same transaction
                try connection.execute("TRUNCATE users CASCADE")
                try seed(connection, users: 2)
            } else {
                try connection.execute("TRUNCATE irradiance, energy")
            }
        }
    }

    mutating func change(_ connection: PostgresConnection, truncates: Bool) throws {
        let day = 1 + random.next() % 28
        let minute = random.next() % (24 * 60)
        let time = "timestamptz '2026-02-\(day < 10 ? "0" : "")\(day) 00:00:00-03' + interval '\(minute / 15 * 15) minutes'"
        let kind = random.next() % (truncates ? 34 : 20)
        if kind >= 20 { return try edgeCase(connection, kind: kind, day: day) }
        switch kind {
        case 0..<6:
            try connection.execute("""
                INSERT INTO energy (device_id, measured_at, energy_kwh, power_kw)
                SELECT id, \(time), round((random() * 3)::numeric, 4), round((random() * 5)::numeric, 4)
                FROM devices WHERE kind = 'inverter' ORDER BY random() LIMIT 1 ON CONFLICT DO NOTHING
                """)
        case 6, 7:
            try connection.execute("UPDATE energy SET energy_kwh = energy_kwh + 0.5000 WHERE id = (SELECT id FROM energy ORDER BY random() LIMIT 1)")
        case 8:
            try connection.execute("""
                UPDATE energy SET device_id = (SELECT id FROM devices WHERE kind = 'inverter' ORDER BY random() LIMIT 1)
                WHERE id = (SELECT id FROM energy ORDER BY random() LIMIT 1)
                AND NOT EXISTS (SELECT 1 FROM energy e2 WHERE e2.measured_at = energy.measured_at AND e2.device_id <> energy.device_id)
                """)
        case 9:
            try connection.execute("DELETE FROM energy WHERE id = (SELECT id FROM energy ORDER BY random() LIMIT 1)")
        case 10, 11:
            try connection.execute("""
                INSERT INTO irradiance (unit_id, device_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
                SELECT id, NULL, \(time), round((random() * 1000)::numeric, 2), round((20 + random() * 30)::numeric, 2),
                       round((15 + random() * 15)::numeric, 2)
                FROM units ORDER BY random() LIMIT 1 ON CONFLICT DO NOTHING
                """)
        case 12:
            if random.next() % 2 == 0 {
                try connection.execute("UPDATE irradiance SET irradiance_wm2 = irradiance_wm2 / 2 WHERE id = (SELECT id FROM irradiance ORDER BY random() LIMIT 1)")
            } else {
                try connection.execute("DELETE FROM irradiance WHERE id = (SELECT id FROM irradiance ORDER BY random() LIMIT 1)")
            }
        case 13:
            try connection.execute("""
                UPDATE users SET status = CASE status WHEN 'active' THEN 'suspended' ELSE 'active' END, updated_at = now()
                WHERE id = (SELECT id FROM users ORDER BY random() LIMIT 1)
                """)
        case 14:
            try connection.execute("UPDATE users SET name = name || '.', phone = '+55 21 98888-' || (1000 + \(random.next() % 8999)) WHERE id = (SELECT id FROM users ORDER BY random() LIMIT 1)")
        case 15:
            try connection.execute("""
                UPDATE units SET user_id = (SELECT id FROM users ORDER BY random() LIMIT 1), tariff_class = 'B3'
                WHERE id = (SELECT id FROM units ORDER BY random() LIMIT 1)
                """)
        case 16:
            try connection.execute("UPDATE devices SET firmware_version = '2.' || \(random.next() % 50) WHERE id = (SELECT id FROM devices ORDER BY random() LIMIT 1)")
        case 17:
            try connection.execute("""
                INSERT INTO energy_compensate (unit_id, reference_month, injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
                SELECT id, date '2026-01-01' + (\(random.next() % 6) * interval '1 month'), round((random() * 500)::numeric, 4),
                       round((random() * 400)::numeric, 4), round((random() * 300)::numeric, 4), round((random() * 100)::numeric, 4)
                FROM units ORDER BY random() LIMIT 1
                ON CONFLICT (unit_id, reference_month) DO UPDATE SET injected_kwh = excluded.injected_kwh, updated_at = now()
                """)
        case 18:
            try connection.execute("""
                INSERT INTO users (name, email) VALUES ('New \(random.next() % 100000)', 'new\(random.next())@example.com')
                """)
        default:
            try connection.execute("UPDATE devices SET unit_id = (SELECT id FROM units ORDER BY random() LIMIT 1) WHERE id = (SELECT id FROM devices WHERE kind = 'inverter' ORDER BY random() LIMIT 1)")
        }
    }
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
public struct SplitMix {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
