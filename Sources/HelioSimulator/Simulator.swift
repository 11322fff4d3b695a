import Foundation
import HelioOps
import HelioPostgres
import Logging

/// The demo workload: a seeded, realistic solar platform writing to the source database.
///
/// `seed()` creates customers, plants and devices when the source is empty (and reuses
/// what is there otherwise); `run(shouldStop:)` then advances a simulated clock one sample
/// interval at a time, writing each step — readings, corrections, deletes, bills and
/// customer changes — in one transaction, paced to the configured rates. Everything is
/// synchronous and blocking: call it from a dedicated thread. Not thread-safe.
public final class Simulator {
    public let options: SimulatorOptions
    let connection: PostgresConnection
    let logger: Logger
    private var state: State?

    struct State {
        var fleet: Fleet
        var generator: FleetGenerator
    }

    public init(connection: PostgresConnection, options: SimulatorOptions, logger: Logger) {
        self.connection = connection
        self.options = options
        var logger = logger
        logger[metadataKey: SimulatorLogKeys.component] = "simulator"
        self.logger = logger
    }

    /// A simulator on its own connection to the source at `url` (`helio simulate`, `run --demo`).
    public convenience init(url: String, applicationName: String, options: SimulatorOptions, logger: Logger) throws {
        self.init(connection: try PostgresConnection(ConnectionOptions(url: url, applicationName: applicationName)), options: options, logger: logger)
    }

    var sampleSeconds: Int64 { Int64(options.sampleMinutes * 60) }

    /// The configured start of the clock, aligned down to the sample interval.
    var configuredStart: Int64 {
        Timestamp.align(Int64((options.startTime ?? Date()).timeIntervalSince1970.rounded(.down)), to: sampleSeconds)
    }

    /// Creates the platform if the source has no users yet, in one transaction; otherwise
    /// loads and reuses it. Idempotent.
    @discardableResult
    public func seed() throws -> SeedSummary {
        try options.validate()
        let calendar = try LocalCalendar(identifier: options.timezone)
        let store = FleetStore(connection: connection)
        try store.checkSchema()
        var (fleet, emails, serials) = try store.load()
        var summary = SeedSummary()
        summary.existingUsers = fleet.users.count
        summary.existingUnits = fleet.units.count
        summary.existingDevices = fleet.devices.count
        var generator = FleetGenerator(unitsPerUser: options.unitsPerUser, devicesPerUnit: options.devicesPerUnit,
                                       takenEmails: emails, takenSerials: serials)
        if fleet.isEmpty && options.users > 0 {
            var rng = SplitMix64(seed: options.seed, stream: 1)
            let batch = generator.customers(options.users, installedBefore: calendar.local(configuredStart).date, rng: &rng)
            try connection.execute("BEGIN")
            do {
                let created = try store.insert(batch)
                try connection.execute("COMMIT")
                for user in created.users { fleet.add(user) }
                for unit in created.units { fleet.add(unit) }
                for device in created.devices { fleet.add(device) }
                summary.createdUsers = created.users.count
                summary.createdUnits = created.units.count
                summary.createdDevices = created.devices.count
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
        emails = []
        serials = []
        state = State(fleet: fleet, generator: generator)
        logger.info("platform ready", metadata: [
            SimulatorLogKeys.users: "\(fleet.users.count)", SimulatorLogKeys.units: "\(fleet.units.count)",
            SimulatorLogKeys.devices: "\(fleet.devices.count)", "created_users": "\(summary.createdUsers)",
        ])
        return summary
    }

    /// Runs the simulated platform until `shouldStop()` returns true, `duration` has passed
    /// or `maxChanges` is reached, whichever comes first. Seeds an empty source first. The
    /// clock starts at `startTime`, or after the latest reading in the database when that is
    /// later, so a restart continues where the last run stopped.
    public func run(shouldStop: () -> Bool) throws -> RunSummary {
        try options.validate()
        if state == nil { try seed() }
        guard var state else { throw SimulatorError(.unexpectedResult, "the platform could not be loaded") }
        let calendar = try LocalCalendar(identifier: options.timezone)
        var instant = configuredStart
        if let latest = try FleetStore(connection: connection).latestReading() {
            instant = max(instant, Timestamp.align(latest, to: sampleSeconds) + sampleSeconds)
        }
        let weather = Weather(seed: options.seed)
        let planner = StepPlanner(weather: weather, calendar: calendar, sampleSeconds: sampleSeconds,
                                  implausible: ImplausibleReadings(seed: options.seed, share: options.implausibleShare))
        let writer = StepWriter(connection: connection,
                                billing: BillingWriter(connection: connection, weather: weather, calendar: calendar))
        var rng = SplitMix64(seed: options.seed, stream: UInt64(bitPattern: instant))
        var recent = RecentReadings(window: 8 * sampleSeconds)
        var pacer = Pacer(ratePerSecond: options.ratePerSecond, timeScale: options.timeScale)
        var progress = Progress(clock: ContinuousClock())
        var summary = RunSummary()
        logger.info("simulation starting", metadata: [SimulatorLogKeys.simulatedTime: "\(calendar.describe(instant))"])

        while !shouldStop() && !progress.isFinished(options, changes: summary.changes) {
            let plan = planner.plan(at: instant, fleet: state.fleet, recent: recent, generator: &state.generator, rng: &rng)
            let outcome: StepWriter.Outcome
            do {
                outcome = try writer.write(plan, fleet: state.fleet)
            } catch {
                self.state = nil // what was planned but not written is in the generator: reload next time
                throw error
            }
            state.fleet.apply(plan, created: outcome)
            recent.apply(plan)
            summary.add(outcome.counts)
            for (kind, count) in plan.implausible { summary.implausible[kind.rawValue, default: 0] += count }
            summary.steps += 1
            summary.simulatedStart = summary.simulatedStart ?? Timestamp.iso(instant)
            summary.simulatedEnd = Timestamp.iso(instant)
            if progress.shouldLog(step: summary.steps, every: options.logEverySteps) {
                logger.info("simulating", metadata: progress.metadata(summary, simulated: calendar.describe(instant)))
            }
            instant += sampleSeconds
            let simulated = Double(summary.steps) * Double(sampleSeconds)
            var wait = pacer.delay(changes: summary.changes, simulatedSeconds: simulated)
            if let duration = options.duration { wait = min(wait, max(0, duration - progress.elapsed)) }
            if wait > 0 { Backoff.sleep(wait, unless: shouldStop) }
        }
        self.state = state
        summary.elapsedSeconds = progress.elapsed
        logger.info("simulation stopped", metadata: progress.metadata(summary, simulated: calendar.describe(instant - sampleSeconds)))
        return summary
    }
}
