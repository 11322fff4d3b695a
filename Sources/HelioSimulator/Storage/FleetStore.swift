import HelioPostgres

/// Reads the platform from the source tables and inserts new users, units and devices.
struct FleetStore {
    let connection: PostgresConnection

    static let contractTables = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    /// Fails with advice when a source table of the contract is missing.
    func checkSchema() throws {
        let list = Self.contractTables.map { "to_regclass('public.\($0)') IS NULL" }.joined(separator: ", ")
        let row = try connection.execute("SELECT \(list)").rows.first ?? []
        let missing = zip(Self.contractTables, row).filter { $0.1 == "t" }.map { "public.\($0.0)" }
        if !missing.isEmpty {
            throw SimulatorError(.schemaMismatch,
                                 "missing source tables \(missing.joined(separator: ", ")); load schemas/source.sql first")
        }
    }

    /// Everything the simulator needs to continue the platform, plus the emails and serial
    /// numbers already taken.
    func load() throws -> (fleet: Fleet, emails: Set<String>, serials: Set<String>) {
        var fleet = Fleet()
        var emails = Set<String>()
        var serials = Set<String>()
        for row in try connection.execute("SELECT id, name, email, status, phone, document FROM public.users ORDER BY id").rows {
            guard let id = row[0].flatMap({ Int64($0) }), let email = row[2] else { continue }
            emails.insert(email)
            fleet.add(UserRecord(id: id, name: row[1] ?? "", email: email, status: row[3] ?? "active",
                                 ddd: Self.ddd(ofPhone: row[4]), isCompany: row[5]?.contains("/") ?? false))
        }
        let unitSQL = """
            SELECT id, user_id, latitude, longitude, installed_power_kwp, tariff_class, utility, city, state
            FROM public.units ORDER BY id
            """
        for row in try connection.execute(unitSQL).rows {
            guard let id = row[0].flatMap({ Int64($0) }), let userID = row[1].flatMap({ Int64($0) }) else { continue }
            let city = Cities.named(row[7], state: row[8]) ?? Cities.all[0]
            fleet.add(UnitRecord(id: id, userID: userID,
                                 latitude: row[2].flatMap { Double($0) } ?? city.latitude,
                                 longitude: row[3].flatMap { Double($0) } ?? city.longitude,
                                 installedPowerKWp: row[4].flatMap { Double($0) } ?? 5,
                                 tariffClass: row[5] ?? "B1", utility: row[6] ?? city.utilities[0]))
        }
        let deviceSQL = """
            SELECT id, unit_id, kind, manufacturer, nominal_power_kw, firmware_version, serial_number
            FROM public.devices ORDER BY id
            """
        for row in try connection.execute(deviceSQL).rows {
            if let serial = row[6] { serials.insert(serial) }
            guard let id = row[0].flatMap({ Int64($0) }), let unitID = row[1].flatMap({ Int64($0) }),
                  let kind = row[2].flatMap({ DeviceKind(rawValue: $0) }) else { continue }
            fleet.add(DeviceRecord(id: id, unitID: unitID, kind: kind, manufacturer: row[3] ?? "",
                                   nominalKW: row[4].flatMap { Double($0) }, firmware: row[5]))
        }
        return (fleet, emails, serials)
    }

    /// The latest reading of any station (of any inverter when there is none), as Unix
    /// seconds; nil when there is none. Stations report every step, day and night, so theirs
    /// is where the clock stopped; an inverter's may be a clock hours ahead
    /// (`ImplausibleReadings`), which must not make a restart skip those hours. Each probe
    /// walks the unique indexes that start with the unit or device.
    func latestReading() throws -> Int64? {
        let sql = """
            SELECT coalesce(
                (SELECT max((SELECT extract(epoch FROM max(i.measured_at))::bigint
                             FROM public.irradiance i WHERE i.unit_id = u.id)) FROM public.units u),
                (SELECT max((SELECT extract(epoch FROM max(e.measured_at))::bigint
                             FROM public.energy e WHERE e.device_id = d.id)) FROM public.devices d))
            """
        return try connection.execute(sql).scalar.flatMap { Int64($0) }
    }

    /// Inserts a batch (users, then units, then devices: three statements, or a few more for
    /// very large batches) and returns the new records with their ids.
    func insert(_ batch: NewEntities) throws -> (users: [UserRecord], units: [UnitRecord], devices: [DeviceRecord]) {
        // Users: RETURNING gives (id, email); emails are unique, so they map back to the batch.
        let userRows = batch.users.map { [$0.name, $0.email, $0.document, $0.phone, $0.status] as [String?] }
        let userIDs = try ValuesBatch(types: ["text", "text", "text", "text", "text"]).query(
            connection, prefix: "INSERT INTO public.users (name, email, document, phone, status) VALUES ",
            suffix: " RETURNING id, email", rows: userRows)
        let idByEmail = Dictionary(userIDs.compactMap { row in row[1].flatMap { e in row[0].flatMap(Int64.init).map { (e, $0) } } },
                                   uniquingKeysWith: { first, _ in first })
        let users = try batch.users.map { user -> UserRecord in
            guard let id = idByEmail[user.email] else { throw SimulatorError(.unexpectedResult, "no id returned for a new user") }
            return UserRecord(id: id, name: user.name, email: user.email, status: user.status, ddd: user.ddd, isCompany: user.isCompany)
        }

        // Units: (user_id, name) is unique within a batch by construction.
        func ownerID(_ owner: NewUnit.Owner) -> Int64 {
            switch owner {
            case .new(let index): return users[index].id
            case .existing(let id): return id
            }
        }
        let unitRows = batch.units.map { unit -> [String?] in
            [String(ownerID(unit.owner)), unit.name, unit.address, unit.city, unit.state, String(unit.latitude),
             String(unit.longitude), Text.decimal(unit.installedPowerKWp, places: 3), unit.tariffClass, unit.utility]
        }
        let unitIDs = try ValuesBatch(types: ["bigint", "text", "text", "text", "text", "float8", "float8", "numeric", "text", "text"]).query(
            connection,
            prefix: "INSERT INTO public.units (user_id, name, address, city, state, latitude, longitude, installed_power_kwp, tariff_class, utility) VALUES ",
            suffix: " RETURNING id, user_id, name", rows: unitRows)
        var idByOwnerAndName: [String: Int64] = [:]
        for row in unitIDs { if let id = row[0].flatMap(Int64.init) { idByOwnerAndName["\(row[1] ?? "")\u{1F}\(row[2] ?? "")"] = id } }
        let units = try batch.units.map { unit -> UnitRecord in
            let owner = ownerID(unit.owner)
            guard let id = idByOwnerAndName["\(owner)\u{1F}\(unit.name)"] else {
                throw SimulatorError(.unexpectedResult, "no id returned for a new unit")
            }
            return UnitRecord(id: id, userID: owner, latitude: unit.latitude, longitude: unit.longitude,
                              installedPowerKWp: unit.installedPowerKWp, tariffClass: unit.tariffClass, utility: unit.utility)
        }

        // Devices: serial numbers are unique.
        func unitID(_ parent: NewDevice.Parent) -> Int64 {
            switch parent {
            case .new(let index): return units[index].id
            case .existing(let id): return id
            }
        }
        let deviceRows = batch.devices.map { device -> [String?] in
            [String(unitID(device.unit)), device.serialNumber, device.manufacturer, device.model, device.kind.rawValue,
             device.nominalKW.map { Text.decimal($0, places: 3) }, device.firmware, device.installedAt]
        }
        let deviceIDs = try ValuesBatch(types: ["bigint", "text", "text", "text", "text", "numeric", "text", "date"]).query(
            connection,
            prefix: "INSERT INTO public.devices (unit_id, serial_number, manufacturer, model, kind, nominal_power_kw, firmware_version, installed_at) VALUES ",
            suffix: " RETURNING id, serial_number", rows: deviceRows)
        let idBySerial = Dictionary(deviceIDs.compactMap { row in row[1].flatMap { s in row[0].flatMap(Int64.init).map { (s, $0) } } },
                                    uniquingKeysWith: { first, _ in first })
        let devices = try batch.devices.map { device -> DeviceRecord in
            guard let id = idBySerial[device.serialNumber] else { throw SimulatorError(.unexpectedResult, "no id returned for a new device") }
            return DeviceRecord(id: id, unitID: unitID(device.unit), kind: device.kind, manufacturer: device.manufacturer,
                                nominalKW: device.nominalKW, firmware: device.firmware)
        }
        return (users, units, devices)
    }

    /// The area code of `+55 11 98765-4321`; São Paulo's when the phone says nothing.
    static func ddd(ofPhone phone: String?) -> Int {
        guard let phone else { return 11 }
        let groups = phone.split(separator: " ")
        if groups.count >= 2, groups[0] == "+55", let ddd = Int(groups[1]) { return ddd }
        return 11
    }
}
