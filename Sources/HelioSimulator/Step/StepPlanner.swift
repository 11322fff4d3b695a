/// Decides what happens in one step of the simulated clock: the readings of every station
/// and inverter, corrections and deletes of recent readings, billing at month boundaries
/// and the slow churn of customers, plants and devices. Pure: reads the fleet, draws from
/// the generator, writes nothing.
struct StepPlanner {
    let weather: Weather
    let calendar: LocalCalendar
    let sampleSeconds: Int64
    /// The seeded share of implausible readings (none at share 0).
    var implausible = ImplausibleReadings(seed: 0, share: 0)

    var intervalHours: Double { Double(sampleSeconds) / 3600 }

    func plan(at instant: Int64, fleet: Fleet, recent: RecentReadings, generator: inout FleetGenerator,
              rng: inout SplitMix64) -> StepPlan {
        var plan = StepPlan(instant: instant)
        addReadings(to: &plan, fleet: fleet, rng: &rng)
        addFactCorrections(to: &plan, fleet: fleet, recent: recent, rng: &rng)
        addBilling(to: &plan, fleet: fleet, rng: &rng)
        addDimensionChanges(to: &plan, fleet: fleet, rng: &rng)
        addNewMembers(to: &plan, fleet: fleet, generator: &generator, rng: &rng)
        return plan
    }

    /// One irradiance row per unit (zero at night: stations report around the clock) and one
    /// energy row per inverter while the sun is up (inverters sleep at night and send nothing),
    /// a seeded few of them made implausible after the weather decided them (so the draws,
    /// and every plausible reading, are the same whatever the share).
    private func addReadings(to plan: inout StepPlan, fleet: Fleet, rng: inout SplitMix64) {
        let equipment = fleet.equipment()
        for unit in fleet.units {
            let devices = equipment[unit.id]
            let reading = weather.reading(unit: unit, stationID: devices?.station, instant: plan.instant, rng: &rng)
            let (sent, spike) = implausible.irradiance(reading)
            plan.irradiance.append(sent)
            if let spike { plan.implausible[spike, default: 0] += 1 }
            for inverter in devices?.inverters ?? [] {
                if let energy = weather.energy(deviceID: inverter.id, nominalKW: inverter.nominalKW ?? 0,
                                               irradiance: reading.irradiance, instant: plan.instant,
                                               intervalHours: intervalHours, rng: &rng) {
                    let (sent, kind) = implausible.energy(energy, nominalKW: inverter.nominalKW ?? 0,
                                                          irradiance: reading.irradiance, intervalHours: intervalHours)
                    plan.energy.append(sent)
                    if let kind { plan.implausible[kind, default: 0] += 1 }
                }
            }
        }
    }

    /// A late, corrected value for about 1% of energy readings, a delete for 0.2% (a bad
    /// reading), and the same for irradiance at 0.5% and 0.1%; always of earlier steps.
    private func addFactCorrections(to plan: inout StepPlan, fleet: Fleet, recent: RecentReadings, rng: inout SplitMix64) {
        let energyCount = Double(plan.energy.count), irradianceCount = Double(plan.irradiance.count)
        var touched = Set<Int>()
        for index in distinctIndices(rng.poisson(energyCount * ChangeRates.energyCorrection), of: recent.energy.count, excluding: &touched, rng: &rng) {
            var reading = recent.energy[index]
            let nominal = fleet.device(reading.deviceID)?.nominalKW ?? .infinity
            let power = min(reading.powerKW * rng.double(0.85...1.15), nominal)
            reading.powerKW = (power * 10_000).rounded() / 10_000
            reading.energyKWh = max(0.0001, (power * intervalHours * 10_000).rounded() / 10_000)
            plan.energyCorrections.append(reading)
        }
        for index in distinctIndices(rng.poisson(energyCount * ChangeRates.energyDelete), of: recent.energy.count, excluding: &touched, rng: &rng) {
            plan.energyDeletes.append(recent.energy[index])
        }
        touched = []
        for index in distinctIndices(rng.poisson(irradianceCount * ChangeRates.irradianceCorrection), of: recent.irradiance.count, excluding: &touched, rng: &rng) {
            var reading = recent.irradiance[index]
            reading.irradiance = (reading.irradiance * rng.double(0.9...1.1) * 100).rounded() / 100
            reading.moduleTemp = ((reading.moduleTemp + rng.noise(sd: 0.8)) * 100).rounded() / 100
            plan.irradianceCorrections.append(reading)
        }
        for index in distinctIndices(rng.poisson(irradianceCount * ChangeRates.irradianceDelete), of: recent.irradiance.count, excluding: &touched, rng: &rng) {
            plan.irradianceDeletes.append(recent.irradiance[index])
        }
    }

    /// At the first step of a local month, bill the month before; at the first step of a
    /// local day, revise some units' latest bill (the utility corrects a meter reading).
    private func addBilling(to plan: inout StepPlan, fleet: Fleet, rng: inout SplitMix64) {
        let now = calendar.local(plan.instant).date
        let before = calendar.local(plan.instant - sampleSeconds).date
        if now.firstOfMonth != before.firstOfMonth { plan.billingMonth = before.firstOfMonth }
        if now != before {
            for unit in fleet.units where rng.chance(ChangeRates.billRevision) {
                plan.billRevisions.append((unit.id, rng.double(0.9...1.1)))
            }
        }
    }

    /// Up to `count` distinct indices below `bound` that are not in `excluding` (which grows).
    func distinctIndices(_ count: Int, of bound: Int, excluding taken: inout Set<Int>, rng: inout SplitMix64) -> [Int] {
        guard bound > 0 else { return [] }
        var result: [Int] = []
        for _ in 0..<min(count, bound) {
            let index = rng.index(bound)
            if taken.insert(index).inserted { result.append(index) }
        }
        return result
    }
}
