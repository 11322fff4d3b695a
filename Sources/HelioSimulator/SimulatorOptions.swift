import Foundation

/// How big the simulated platform is and how fast it runs. Every default is what
/// `helio simulate` uses without flags.
public struct SimulatorOptions: Sendable {
    /// Seed of every random choice: the same seed on an empty database writes the same platform.
    public var seed: UInt64 = 42
    /// Customers created by `seed()` on an empty database.
    public var users: Int = 50
    /// Plants (consumer units) per customer.
    public var unitsPerUser: ClosedRange<Int> = 1...3
    /// Devices per plant: one weather station, one or more inverters, sometimes a meter.
    /// A plant given one device gets a lone inverter (its irradiance has no station).
    public var devicesPerUnit: ClosedRange<Int> = 2...4
    /// Upper bound on row changes per real second; 0 = as fast as possible (no pacing at all,
    /// `timeScale` ignored).
    public var ratePerSecond: Double = 200
    /// Stop after this many real seconds; nil = until stopped.
    public var duration: Double?
    /// Stop after the step that brings the row changes to at least this many; nil = no limit.
    public var maxChanges: Int?
    /// The platform's time zone: where local days and billing months begin.
    public var timezone = "America/Sao_Paulo"
    /// Sampling interval of weather stations and inverters; one step of the clock.
    public var sampleMinutes = 15
    /// Start of the simulated clock, aligned down to the sample interval; nil = now. A restart
    /// continues after the latest reading in the database when that is later.
    public var startTime: Date?
    /// Upper bound on simulated seconds per real second (60: a day in 24 minutes); 0 = no
    /// bound. With `ratePerSecond`, the slower of the two sets the pace.
    public var timeScale: Double = 60
    /// Log a progress line every this many steps (at most one a second).
    public var logEverySteps = 4
    /// Share of readings made implausible on purpose, so the data-quality rules have something
    /// to find (`ImplausibleReadings`: sensor and inverter spikes, stuck meters, clocks hours
    /// ahead); chosen by a hash of the seed, device and instant. 0 turns it off; at most 0.5.
    public var implausibleShare = SimulatorOptions.defaultImplausibleShare

    public static let defaultImplausibleShare = 0.002

    public init(
        seed: UInt64 = 42, users: Int = 50, unitsPerUser: ClosedRange<Int> = 1...3,
        devicesPerUnit: ClosedRange<Int> = 2...4, ratePerSecond: Double = 200, duration: Double? = nil,
        maxChanges: Int? = nil, timezone: String = "America/Sao_Paulo", sampleMinutes: Int = 15,
        startTime: Date? = nil, timeScale: Double = 60, logEverySteps: Int = 4,
        implausibleShare: Double = SimulatorOptions.defaultImplausibleShare
    ) {
        self.seed = seed
        self.users = users
        self.unitsPerUser = unitsPerUser
        self.devicesPerUnit = devicesPerUnit
        self.ratePerSecond = ratePerSecond
        self.duration = duration
        self.maxChanges = maxChanges
        self.timezone = timezone
        self.sampleMinutes = sampleMinutes
        self.startTime = startTime
        self.timeScale = timeScale
        self.logEverySteps = logEverySteps
        self.implausibleShare = implausibleShare
    }

    func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw SimulatorError(.invalidOptions, message) }
        }
        try check(users >= 0, "users must be >= 0")
        try check(unitsPerUser.lowerBound >= 1, "unitsPerUser must start at 1 or more")
        try check(devicesPerUnit.lowerBound >= 1, "devicesPerUnit must start at 1 or more")
        try check(ratePerSecond >= 0 && ratePerSecond.isFinite, "ratePerSecond must be >= 0")
        try check(timeScale >= 0 && timeScale.isFinite, "timeScale must be >= 0")
        try check(sampleMinutes >= 1 && sampleMinutes <= 60 && 60 % sampleMinutes == 0,
                  "sampleMinutes must divide an hour (1, 5, 15, 30, 60 …)")
        try check(duration.map { $0 >= 0 } ?? true, "duration must be >= 0")
        try check(maxChanges.map { $0 >= 0 } ?? true, "maxChanges must be >= 0")
        try check(logEverySteps >= 1, "logEverySteps must be >= 1")
        try check(implausibleShare >= 0 && implausibleShare <= 0.5, "implausibleShare must be between 0 and 0.5")
    }
}
