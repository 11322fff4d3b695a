import ArgumentParser
import Foundation
import HelioOps
import HelioSimulator
import Logging

/// Options of the demo workload, shared by `helio simulate` and `helio run --demo`.
struct SimulationOptions: ParsableArguments {
    @Option(help: "PostgreSQL URL of a role that may write the source tables (default HELIO_SIMULATE_URL, then HELIO_SOURCE_ADMIN_URL).")
    var simulateURL: String?
    @Option(help: "Random seed: the same seed gives the same platform.") var seed: UInt64 = 42
    @Option(help: "Customers to create when the source is empty.") var users = 50
    @Option(help: "Row changes per second (0: as fast as possible).") var rate: Double = 200
    @Option(help: "Simulated seconds per real second (600: a day in 2.4 minutes).") var timeScale: Double = 600
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(help: "Stop after this many row changes.") var maxChanges: Int?
    @Option(help: "Share of readings made implausible on purpose (spikes, stuck meters, clocks ahead) for the data-quality rules to find; 0 turns it off.")
    var implausibleShare: Double = SimulatorOptions.defaultImplausibleShare

    func url() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let url = simulateURL ?? environment["HELIO_SIMULATE_URL"] ?? environment["HELIO_SOURCE_ADMIN_URL"] else {
            throw ConfigurationError(key: "HELIO_SIMULATE_URL", problem: "is not set; the simulator needs a role that may write the source tables")
        }
        return url
    }

    func options(timezone: String, sampleMinutes: Int) -> SimulatorOptions {
        SimulatorOptions(seed: seed, users: users, ratePerSecond: rate, duration: duration, maxChanges: maxChanges,
                         timezone: timezone, sampleMinutes: sampleMinutes, timeScale: timeScale, implausibleShare: implausibleShare)
    }

    /// Seeds and runs the workload on the calling (dedicated) thread.
    func run(config: HelioConfiguration, logger: Logger, shouldStop: @escaping () -> Bool) throws {
        let simulator = try Simulator(url: try url(), applicationName: "helio-simulate",
                                      options: options(timezone: config.timezone, sampleMinutes: config.sampleMinutes), logger: logger)
        let seeded = try simulator.seed()
        logger.notice("simulator seeded", metadata: ["summary": "\(seeded)"])
        let summary = try simulator.run(shouldStop: shouldStop)
        logger.notice("simulator stopped", metadata: ["summary": "\(summary)"])
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded, realistic solar-platform workload into the source (the demo of `make run`).",
        discussion: "Example: helio simulate --source-url postgres://localhost/solar")

    @OptionGroup var options: GlobalOptions<SimulateKeys>
    @OptionGroup var simulation: SimulationOptions

    func run() async throws {
        let (config, logger) = try options.start("helio.simulate")
        let stop = StopSignal()
        let workload = BlockingService(name: "simulate", stop: stop) { [simulation] in
            try simulation.run(config: config, logger: logger) { stop.isSet }
        }
        do {
            try await ServiceRunner.run([workload], logger: logger)
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
