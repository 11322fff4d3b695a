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

    /// Runs `transactions` transactions of random changes.
    public mutating func run(_ connection: PostgresConnection, transactions: Int) throws {
        // The SQL side's random() follows the same seed, so a run can be repeated.
        try connection.execute("SELECT setseed($1)", [String(Double(random.next() % 1000) / 1000)])
        for _ in 0..<transactions {
            try connection.execute("BEGIN")
            for _ in 0..<(1 + Int(random.next() % 4)) { try change(connection) }
            try connection.execute("COMMIT")
        }
    }

    mutating func change(_ connection: PostgresConnection) throws {
        let day = 1 + random.next() % 28
        let minute = random.next() % (24 * 60)
        let time = "timestamptz '2026-02-\(day < 10 ? "0" : "")\(day) 00:00:00-03' + interval '\(minute / 15 * 15) minutes'"
        switch random.next() % 20 {
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
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
