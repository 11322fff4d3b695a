/// Builds batches of new users, units and devices: the initial platform and the customers,
/// plants and inverters that join it while the simulation runs.
struct FleetGenerator {
    var people: PeopleGenerator
    var plants: PlantGenerator
    var unitsPerUser: ClosedRange<Int>

    init(unitsPerUser: ClosedRange<Int>, devicesPerUnit: ClosedRange<Int>,
         takenEmails: Set<String>, takenSerials: Set<String>) {
        self.people = PeopleGenerator(takenEmails: takenEmails)
        self.plants = PlantGenerator(devicesPerUnit: devicesPerUnit, takenSerials: takenSerials)
        self.unitsPerUser = unitsPerUser
    }

    /// `count` customers, each with their plants and devices, installed some days before `day`.
    mutating func customers(_ count: Int, unitsPerUser: ClosedRange<Int>? = nil, installedBefore day: CivilDate,
                            daysBefore: ClosedRange<Int> = 20...1800,
                            rng: inout some RandomNumberGenerator) -> NewEntities {
        var batch = NewEntities()
        for _ in 0..<count {
            let home = rng.pick(Cities.all) { $0.weight }
            let user = people.user(city: home, rng: &rng)
            batch.users.append(user)
            let owner = NewUnit.Owner.new(batch.users.count - 1)
            var names = Set<String>()
            for _ in 0..<max(1, rng.int(unitsPerUser ?? self.unitsPerUser)) {
                // Most plants are in the customer's city; companies spread more.
                let city = rng.chance(user.isCompany ? 0.5 : 0.8) ? home : rng.pick(Cities.all) { $0.weight }
                let installed = day.adding(days: -rng.int(daysBefore))
                addPlant(owner: owner, ownerName: user.name, isCompany: user.isCompany, city: city,
                         installedAt: installed, names: &names, batch: &batch, rng: &rng)
            }
        }
        return batch
    }

    /// One more plant for an existing customer, installed on `day`.
    mutating func plant(for user: UserRecord, city: City, installedAt day: CivilDate,
                        rng: inout some RandomNumberGenerator) -> NewEntities {
        var batch = NewEntities()
        var names = Set<String>()
        addPlant(owner: .existing(user.id), ownerName: user.name, isCompany: user.isCompany, city: city,
                 installedAt: day, names: &names, batch: &batch, rng: &rng)
        return batch
    }

    /// One more inverter for an existing plant (an expansion), installed on `day`.
    mutating func inverter(for unit: UnitRecord, manufacturer: String?, installedAt day: CivilDate,
                           rng: inout some RandomNumberGenerator) -> NewDevice {
        let maker = Equipment.inverterMakers.first { $0.name == manufacturer } ?? rng.pick(Equipment.inverterMakers) { $0.weight }
        let target = min(50, max(3, unit.installedPowerKWp * rng.double(0.15...0.4)))
        return plants.inverter(maker: maker, targetKW: target, unit: .existing(unit.id), installedAt: day.text, rng: &rng)
    }

    private mutating func addPlant(owner: NewUnit.Owner, ownerName: String, isCompany: Bool, city: City,
                                   installedAt: CivilDate, names: inout Set<String>, batch: inout NewEntities,
                                   rng: inout some RandomNumberGenerator) {
        let unit = plants.unit(owner: owner, ownerName: ownerName, isCompany: isCompany, city: city,
                               takenNames: &names, rng: &rng)
        batch.units.append(unit)
        batch.devices += plants.devices(for: .new(batch.units.count - 1), powerKWp: unit.installedPowerKWp,
                                        installedAt: installedAt.text, rng: &rng)
    }
}
