/// The slow churn of the platform: customers suspended and reactivated, contacts changed,
/// plants changing tariff, owner or size, inverters upgraded or moved, newcomers.
extension StepPlanner {
    func addDimensionChanges(to plan: inout StepPlan, fleet: Fleet, rng: inout SplitMix64) {
        let users = Double(fleet.users.count), units = Double(fleet.units.count)
        var touchedUsers = Set<Int64>()

        // Status: active → suspended (unpaid bill), suspended → active again.
        let active = fleet.users.filter { $0.status == "active" }
        for user in pickDistinct(rng.poisson(users * ChangeRates.suspend), from: active, rng: &rng)
        where touchedUsers.insert(user.id).inserted {
            plan.userStatus.append((user.id, "suspended"))
        }
        for user in fleet.users where user.status == "suspended" && rng.chance(ChangeRates.reactivate)
        && touchedUsers.insert(user.id).inserted {
            plan.userStatus.append((user.id, "active"))
        }
        // Contacts.
        var emailUsers = Set<Int64>()
        for user in pickDistinct(rng.poisson(users * ChangeRates.emailChange), from: fleet.users, rng: &rng)
        where emailUsers.insert(user.id).inserted {
            plan.userEmail.append((user.id, "")) // filled by the generator, which owns uniqueness
        }
        for user in pickDistinct(rng.poisson(users * ChangeRates.phoneChange), from: fleet.users, rng: &rng) {
            plan.userPhone.append((user.id, PeopleGenerator.phone(ddd: user.ddd, rng: &rng)))
        }

        // Units: tariff class, owner (a sale, an inheritance), installed power (an expansion).
        for unit in pickDistinct(rng.poisson(units * ChangeRates.tariffChange), from: fleet.units, rng: &rng) {
            let next = ["B1": "B2", "B2": "B1", "B3": "A4", "A4": "B3"][unit.tariffClass] ?? "B1"
            plan.unitTariff.append((unit.id, next))
        }
        if fleet.users.count >= 2 {
            for unit in pickDistinct(rng.poisson(units * ChangeRates.ownerChange), from: fleet.units, rng: &rng) {
                var owner = rng.pick(fleet.users).id
                if owner == unit.userID { owner = fleet.users.first { $0.id != unit.userID }!.id }
                plan.unitOwner.append((unit.id, owner))
            }
        }
        for unit in pickDistinct(rng.poisson(units * ChangeRates.expansion), from: fleet.units, rng: &rng) {
            let grown = min(75, unit.installedPowerKWp * rng.double(1.1...1.35))
            plan.unitPower.append((unit.id, (grown * 1000).rounded() / 1000))
        }

        // Devices: firmware upgrades one by one, sometimes a rollout to every inverter of a make.
        let inverters = fleet.inverters
        var upgraded = Set<Int64>()
        for device in pickDistinct(rng.poisson(Double(inverters.count) * ChangeRates.firmwareUpgrade), from: inverters, rng: &rng)
        where upgraded.insert(device.id).inserted {
            plan.deviceFirmware.append((device.id, PlantGenerator.upgraded(device.firmware, rng: &rng)))
        }
        if !inverters.isEmpty && rng.chance(ChangeRates.firmwareRollout) {
            let maker = rng.pick(inverters).manufacturer
            let release = PlantGenerator.upgraded(inverters.filter { $0.manufacturer == maker }.compactMap(\.firmware).max(), rng: &rng)
            for device in inverters where device.manufacturer == maker && upgraded.insert(device.id).inserted {
                plan.deviceFirmware.append((device.id, release))
            }
        }
        // A device moves to another plant of the platform; its old plant keeps an inverter.
        let equipment = fleet.equipment()
        let movable = inverters.filter { (equipment[$0.unitID]?.inverters.count ?? 0) >= 2 }
        if fleet.units.count >= 2 {
            var leaving: [Int64: Int] = [:]
            for device in pickDistinct(rng.poisson(Double(inverters.count) * ChangeRates.deviceMove), from: movable, rng: &rng) {
                let remaining = (equipment[device.unitID]?.inverters.count ?? 0) - leaving[device.unitID, default: 0]
                guard remaining >= 2 else { continue }
                var target = rng.pick(fleet.units).id
                if target == device.unitID { target = fleet.units.first { $0.id != device.unitID }!.id }
                leaving[device.unitID, default: 0] += 1
                plan.deviceMoves.append((device.id, target))
            }
        }
    }

    /// Newcomers: a customer with plants, a plant for an existing customer, an inverter for a plant.
    func addNewMembers(to plan: inout StepPlan, fleet: Fleet, generator: inout FleetGenerator, rng: inout SplitMix64) {
        let today = calendar.local(plan.instant).date
        var batch = NewEntities()
        let newcomers = rng.poisson(max(0.005, Double(fleet.users.count) * ChangeRates.newCustomer))
        if newcomers > 0 {
            batch = generator.customers(newcomers, unitsPerUser: 1...1, installedBefore: today, daysBefore: 0...0, rng: &rng)
        }
        // At most one new plant per customer and step, so (user, name) stays unique in the batch.
        for user in pickDistinct(rng.poisson(Double(fleet.users.count) * ChangeRates.newPlant), from: fleet.users, rng: &rng) {
            let city = rng.pick(Cities.all) { $0.weight }
            let plant = generator.plant(for: user, city: city, installedAt: today, rng: &rng)
            let offset = batch.units.count
            batch.units += plant.units
            batch.devices += plant.devices.map { device in
                var device = device
                if case .new(let index) = device.unit { device.unit = .new(index + offset) }
                return device
            }
        }
        let equipment = fleet.equipment()
        for unit in pickDistinct(rng.poisson(Double(fleet.units.count) * ChangeRates.newInverter), from: fleet.units, rng: &rng) {
            let maker = equipment[unit.id]?.inverters.first?.manufacturer
            batch.devices.append(generator.inverter(for: unit, manufacturer: maker, installedAt: today, rng: &rng))
        }
        // Email changes draw their new address here, where uniqueness is tracked.
        for index in plan.userEmail.indices {
            let user = fleet.user(plan.userEmail[index].id)!
            plan.userEmail[index].email = generator.people.changedEmail(name: user.name, isCompany: user.isCompany, rng: &rng)
        }
        plan.newEntities = batch
    }

    /// Up to `count` distinct members, uniformly.
    func pickDistinct<T>(_ count: Int, from items: [T], rng: inout SplitMix64) -> [T] {
        guard count > 0, !items.isEmpty else { return [] }
        var seen = Set<Int>()
        var result: [T] = []
        for _ in 0..<min(count, items.count) {
            let index = rng.index(items.count)
            if seen.insert(index).inserted { result.append(items[index]) }
        }
        return result
    }
}
