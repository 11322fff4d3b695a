/// Every change of one step of the simulated clock, decided before anything is written;
/// the writer applies it in one transaction, and the fleet learns it only once committed.
struct StepPlan: Sendable {
    var instant: Int64

    // Facts.
    var irradiance: [IrradianceReading] = []
    var energy: [EnergyReading] = []
    var energyCorrections: [EnergyReading] = []
    var energyDeletes: [EnergyReading] = []
    var irradianceCorrections: [IrradianceReading] = []
    var irradianceDeletes: [IrradianceReading] = []
    /// The month to bill (first day) when this step opens a new local month.
    var billingMonth: CivilDate?
    /// Revisions of the latest bill of some units: consumption multiplied by the factor.
    var billRevisions: [(unitID: Int64, factor: Double)] = []
    /// Readings above made implausible on purpose (`ImplausibleReadings`), by kind.
    var implausible: [ImplausibleReadings.Kind: Int] = [:]

    // Dimensions.
    var userStatus: [(id: Int64, status: String)] = []
    var userEmail: [(id: Int64, email: String)] = []
    var userPhone: [(id: Int64, phone: String)] = []
    var unitTariff: [(id: Int64, tariff: String)] = []
    var unitOwner: [(id: Int64, userID: Int64)] = []
    var unitPower: [(id: Int64, kwp: Double)] = []
    var deviceFirmware: [(id: Int64, firmware: String)] = []
    var deviceMoves: [(id: Int64, unitID: Int64)] = []
    var newEntities = NewEntities()

    init(instant: Int64) { self.instant = instant }
}

/// Readings of the last few steps: the ones a correction or a delete may hit.
struct RecentReadings: Sendable {
    var window: Int64
    private(set) var energy: [EnergyReading] = []
    private(set) var irradiance: [IrradianceReading] = []

    init(window: Int64) { self.window = window }

    /// After a committed step: replace corrected readings, drop deleted ones, add the new
    /// ones and forget what fell out of the window.
    mutating func apply(_ plan: StepPlan) {
        func energyKey(_ r: EnergyReading) -> Key { Key(id: r.deviceID, instant: r.instant) }
        func irradianceKey(_ r: IrradianceReading) -> Key { Key(id: r.unitID, instant: r.instant) }
        let energyFixes = Dictionary(plan.energyCorrections.map { (energyKey($0), $0) }, uniquingKeysWith: { $1 })
        let energyGone = Set(plan.energyDeletes.map(energyKey))
        let irradianceFixes = Dictionary(plan.irradianceCorrections.map { (irradianceKey($0), $0) }, uniquingKeysWith: { $1 })
        let irradianceGone = Set(plan.irradianceDeletes.map(irradianceKey))
        let cutoff = plan.instant - window
        energy = energy.compactMap { r in
            guard r.instant > cutoff, !energyGone.contains(energyKey(r)) else { return nil }
            return energyFixes[energyKey(r)] ?? r
        } + plan.energy
        irradiance = irradiance.compactMap { r in
            guard r.instant > cutoff, !irradianceGone.contains(irradianceKey(r)) else { return nil }
            return irradianceFixes[irradianceKey(r)] ?? r
        } + plan.irradiance
    }

    struct Key: Hashable {
        var id: Int64
        var instant: Int64
    }
}
