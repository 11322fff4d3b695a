/// How often the platform changes, per step of the clock (a step is one sample interval,
/// 15 minutes by default). Fact rates are fractions of the step's readings; dimension
/// rates are expected events per step per member, so a larger platform churns more. With
/// the default platform (~50 users, ~100 units, ~150 inverters) a simulated day sees a
/// couple of suspensions, an email and a phone change, a firmware upgrade or two, a new
/// customer and, every few days, a tariff change, an owner change and a device move.
enum ChangeRates {
    // Facts, per reading written in the step.
    static let energyCorrection = 0.01
    static let energyDelete = 0.002
    static let irradianceCorrection = 0.005
    static let irradianceDelete = 0.001
    /// Chance that a unit's latest bill is revised, per unit and local day.
    static let billRevision = 0.04

    // Users, per user and step.
    static let suspend = 2e-4
    /// Per suspended user and step: a suspension lasts about a day.
    static let reactivate = 0.01
    static let emailChange = 1e-4
    static let phoneChange = 1e-4
    static let newCustomer = 2e-4
    static let newPlant = 1e-4

    // Units, per unit and step.
    static let tariffChange = 5e-5
    static let ownerChange = 5e-5
    static let expansion = 5e-5
    static let newInverter = 1e-4

    // Devices, per inverter and step; a fleet-wide rollout of one manufacturer, per step.
    static let firmwareUpgrade = 1e-4
    static let firmwareRollout = 0.002
    static let deviceMove = 2e-5
}
