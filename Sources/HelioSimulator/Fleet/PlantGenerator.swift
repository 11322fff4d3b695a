import Foundation

/// Generates consumer units (solar plants) and their devices: where they are, how big,
/// which tariff and utility, which inverters, station and meter with unique serials.
struct PlantGenerator {
    var devicesPerUnit: ClosedRange<Int>
    var takenSerials: Set<String>

    /// Module sizes on the Brazilian market, in kWp; a plant is a whole number of modules.
    static let moduleKWp = [0.330, 0.405, 0.450, 0.545, 0.550, 0.555, 0.575, 0.585, 0.610]

    mutating func unit(owner: NewUnit.Owner, ownerName: String, isCompany: Bool, city: City,
                       takenNames: inout Set<String>, rng: inout some RandomNumberGenerator) -> NewUnit {
        let tariff: String
        let powerRange: ClosedRange<Double>
        if isCompany {
            (tariff, powerRange) = rng.chance(0.85) ? ("B3", 10...75) : ("A4", 30...75)
        } else {
            (tariff, powerRange) = rng.chance(0.8) ? ("B1", 3...15) : ("B2", 5...40)
        }
        // Most plants sit at the low end of their range.
        let target = powerRange.lowerBound + (powerRange.upperBound - powerRange.lowerBound) * pow(rng.unit(), 1.8)
        let module = rng.pick(Self.moduleKWp)
        let modules = max(Int((3.0 / module).rounded(.up)), Int((target / module).rounded()))
        let power = min(75, (Double(modules) * module * 1000).rounded() / 1000)

        var name = baseName(tariff: tariff, ownerName: ownerName, isCompany: isCompany, rng: &rng)
        var suffix = 2
        let base = name
        while !takenNames.insert(name).inserted { name = "\(base) \(suffix)"; suffix += 1 }

        let street = "\(rng.pick(Cities.streetKinds)) \(rng.pick(Cities.streetNames)), \(rng.int(1...3200))"
        let address = tariff == "B2"
            ? "Estrada Municipal \(city.state)-\(rng.int(10...480)), km \(rng.int(1...38)) - Zona Rural"
            : "\(street) - \(rng.pick(Cities.neighborhoods))"
        return NewUnit(
            owner: owner, name: name, address: address, city: city.name, state: city.state,
            latitude: ((city.latitude + rng.double(-0.08...0.08)) * 1e6).rounded() / 1e6,
            longitude: ((city.longitude + rng.double(-0.08...0.08)) * 1e6).rounded() / 1e6,
            installedPowerKWp: power, tariffClass: tariff, utility: rng.pick(city.utilities))
    }

    private func baseName(tariff: String, ownerName: String, isCompany: Bool, rng: inout some RandomNumberGenerator) -> String {
        switch tariff {
        case "B1":
            let surname = ownerName.split(separator: " ").last.map(String.init) ?? "Solar"
            return rng.chance(0.6) ? "Residência \(surname)" : "Casa \(rng.pick(Cities.neighborhoods))"
        case "B2":
            return "\(rng.pick(["Sítio", "Fazenda", "Chácara"])) \(rng.pick(PersonNames.placeWords))"
        default:
            let company = ownerName.split(separator: " ").dropLast().joined(separator: " ")
            return rng.chance(0.5) ? "\(company) - Matriz" : "\(company) - Filial \(rng.pick(Cities.neighborhoods))"
        }
    }

    /// The devices of a new plant: a weather station, inverters sized to the plant, maybe a
    /// meter. A plant given a single device gets just an inverter (its irradiance then has
    /// no station: `irradiance.device_id` null).
    mutating func devices(for unit: NewDevice.Parent, powerKWp: Double, installedAt: String,
                          rng: inout some RandomNumberGenerator) -> [NewDevice] {
        let count = max(1, rng.int(devicesPerUnit))
        var devices: [NewDevice] = []
        var inverters = count
        if count >= 2 {
            devices.append(device(kind: .weatherStation, unit: unit, installedAt: installedAt, rng: &rng))
            inverters -= 1
            if count >= 3 && rng.chance(0.5) {
                devices.append(device(kind: .meter, unit: unit, installedAt: installedAt, rng: &rng))
                inverters -= 1
            }
        }
        // Inverters are sized to the plant (DC/AC ratio 1.1–1.3); a plant too small to share
        // among several gets fewer, and a meter in the spare slot.
        let maker = rng.pick(Equipment.inverterMakers) { $0.weight }
        let acTarget = powerKWp / rng.double(1.1...1.3)
        let fitting = min(inverters, max(1, Int(acTarget / 2.5)))
        if fitting < inverters && !devices.contains(where: { $0.kind == .meter }) && count >= 2 {
            devices.append(device(kind: .meter, unit: unit, installedAt: installedAt, rng: &rng))
        }
        let firmware = Self.firmware(major: maker.firmwareMajor, rng: &rng) // one batch, one release
        for _ in 0..<fitting {
            var device = inverter(maker: maker, targetKW: acTarget / Double(fitting), unit: unit,
                                  installedAt: installedAt, rng: &rng)
            device.firmware = firmware
            devices.append(device)
        }
        return devices
    }

    mutating func inverter(maker: Manufacturer, targetKW: Double, unit: NewDevice.Parent, installedAt: String,
                           rng: inout some RandomNumberGenerator) -> NewDevice {
        let model = Equipment.inverterModel(manufacturer: maker.name, closestTo: targetKW)
        return NewDevice(unit: unit, serialNumber: serial(maker, rng: &rng), manufacturer: maker.name,
                         model: model.model, kind: .inverter, nominalKW: model.nominalKW,
                         firmware: Self.firmware(major: maker.firmwareMajor, rng: &rng), installedAt: installedAt)
    }

    private mutating func device(kind: DeviceKind, unit: NewDevice.Parent, installedAt: String,
                                 rng: inout some RandomNumberGenerator) -> NewDevice {
        let makers = kind == .meter ? Equipment.meterMakers : Equipment.stationMakers
        let maker = rng.pick(makers) { $0.weight }
        let model = (kind == .meter ? Equipment.meterModels : Equipment.stationModels)[maker.name] ?? "Generic"
        return NewDevice(unit: unit, serialNumber: serial(maker, rng: &rng), manufacturer: maker.name,
                         model: model, kind: kind, nominalKW: nil,
                         firmware: Self.firmware(major: maker.firmwareMajor, rng: &rng), installedAt: installedAt)
    }

    private mutating func serial(_ maker: Manufacturer, rng: inout some RandomNumberGenerator) -> String {
        while true {
            let candidate = maker.serialPrefix + rng.digits(maker.serialDigits)
            if takenSerials.insert(candidate).inserted { return candidate }
        }
    }

    static func firmware(major: Int, rng: inout some RandomNumberGenerator) -> String {
        "\(major).\(rng.int(0...20)).\(rng.int(0...9))"
    }

    /// The next release after `current`: usually a patch, sometimes a minor version.
    static func upgraded(_ current: String?, rng: inout some RandomNumberGenerator) -> String {
        let parts = (current ?? "1.0.0").split(separator: ".").compactMap { Int($0) }
        guard parts.count == 3 else { return "1.0.0" }
        if rng.chance(0.3) { return "\(parts[0]).\(parts[1] + 1).0" }
        return "\(parts[0]).\(parts[1]).\(parts[2] + rng.int(1...3))"
    }
}
