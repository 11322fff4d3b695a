import Foundation
import HelioOps
import HelioTestSupport
import Synchronization
import Testing

/// Partition-parallel apply (issue #16, `apply.parallel`): 2 and 4 `helio apply` processes in
/// one consumer group, each applying its partitions' batches with the warehouse's apply lock
/// held shared, while the source runs a seeded random workload (truncates included, which
/// stay exclusive). During the load one applier is killed with SIGKILL and started again, and
/// one more member joins the group and later leaves it cleanly: three rebalances at seeded
/// points of the workload. Afterwards the warehouse must equal the one the source gives
/// (`waitForWarehouse`: what one applier builds), nothing may be quarantined or
/// dead-lettered, nothing may wait in the pending tables, and the appliers must have
/// overlapped: the warehouse's lock table, sampled every few milliseconds during the run,
/// showed two `helio-apply` sessions holding one advisory lock at the same moment (two
/// batches inside `dw.apply_staged` at once). One-at-a-time apply takes that lock exclusive,
/// so without the parallel mode that check fails.
///
/// Each run prints its seed. `HELIO_PARALLEL_APPLY_SEED=s` repeats a run (every applier count
/// starts from `s`); `HELIO_PARALLEL_APPLY_SEEDS=n` is the long version: n seeds per applier
/// count (s, s+1, …), four times the workload and three kills per run (about 3-4 minutes a
/// seed on two cores). `make test` runs the short one (one seed, one kill).
@Suite("Partition-parallel apply", .serialized)
struct ParallelApplyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds = Int(environment["HELIO_PARALLEL_APPLY_SEEDS"] ?? "") ?? 0
    static let firstSeed = UInt64(environment["HELIO_PARALLEL_APPLY_SEED"] ?? "")

    @Test("appliers in one group with apply.parallel, kill -9 and a member joining and leaving mid-load: one applier's warehouse, batches at the same time",
          arguments: [2, 4])
    func parallelAppliers(_ appliers: Int) throws {
        let long = Self.seeds > 0
        let first = Self.firstSeed ?? UInt64(1600 + appliers)
        for seed in first..<(first + UInt64(max(1, Self.seeds))) {
            try run(appliers: appliers, seed: seed, transactions: long ? 800 : 200, kills: long ? 3 : 1)
        }
    }

    /// A disruption of the group, at a point of the workload (transactions committed).
    enum Disruption: CustomStringConvertible {
        case kill, join, leave
        var description: String {
            switch self {
            case .kill: "kill -9 of an applier, started again"
            case .join: "a member joins"
            case .leave: "the joined member leaves"
            }
        }
    }

    func run(appliers count: Int, seed: UInt64, transactions: Int, kills: Int) throws {
        print("ParallelApplyTests: \(count) appliers, seed \(seed) (HELIO_PARALLEL_APPLY_SEED=\(seed) repeats this run)")
        var random = SplitMix(seed: seed)
        let env = try TestEnvironment("parallel\(count)")
        defer { env.drop() }
        let logs = env.spoolDirectory + "-logs"   // (kept after the run: env.drop() removes the spool directory)
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var workload = RandomWorkload(seed: seed)
        try workload.seed(try env.source())
        var config = env.userConfiguration()
        config.batchSize = 200   // several batches per partition and second: kills land between and inside batches
        let capture = RunningCapture(env, config: config)
        var captureFinished = false
        defer { if !captureFinished { try? capture.finish() } }
        try env.waitForSlot()

        func applier(_ name: String) throws -> HelioProcess {
            try HelioProcess(["apply"], config: config, logPath: "\(logs)/\(name).log", environment: ["HELIO_APPLY_PARALLEL": "true"])
        }
        let sampler = ApplyOverlapSampler(env)
        var members = try (1...count).map { try applier("apply\($0)") }
        var joined: HelioProcess?
        defer {
            for member in members + [joined].compactMap({ $0 }) where member.isRunning { member.kill9() }
            sampler.finish()
        }

        // Seeded points of the load: kills spread over 10-85 %, the join at 25-45 %, the leave at 55-80 %.
        var plan: [(at: Int, what: Disruption)] = (0..<kills).map { k in
            let low = 10 + 75 * k / kills, high = 10 + 75 * (k + 1) / kills
            return (transactions * Int.random(in: low..<high, using: &random) / 100, .kill)
        }
        plan.append((transactions * Int.random(in: 25..<45, using: &random) / 100, .join))
        plan.append((transactions * Int.random(in: 55..<80, using: &random) / 100, .leave))
        plan.sort { $0.at < $1.at }

        let started = Date()
        // ~25 s of load for 200 transactions: time for the group to rebalance three times within it
        let load = WorkloadThread(env, seed: seed &+ 1, transactions: transactions, pause: 500_000)
        for (at, what) in plan {
            try eventually("the workload to reach transaction \(at)", within: 120) { load.committed >= at || load.isFinished }
            print("ParallelApplyTests: seed \(seed), transaction \(load.committed): \(what)")
            switch what {
            case .kill:
                let victim = Int.random(in: 0..<members.count, using: &random)
                members[victim].kill9()
                usleep(UInt32.random(in: 200_000...1_500_000, using: &random))
                members[victim] = try applier("apply\(victim + 1)")
            case .join:
                joined = try applier("joined")
            case .leave:
                // (a member that got partitions, so that its leaving hands them over)
                try eventually("the joined member to be assigned partitions", within: 30) { joined?.log.contains("partitions assigned") == true }
                #expect(joined?.terminate() == 0, "the joined member left cleanly: \(joined?.log.suffix(1_500) ?? "")")
            }
        }
        try eventually("the workload to finish", within: 120) { load.isFinished }
        #expect(load.failure == nil, "the workload ran: \(load.failure ?? "")")
        let loaded = Date()
        let differences = try env.waitForWarehouse(within: 90)
        let figures = sampler.finish()
        print("ParallelApplyTests: seed \(seed): load \(Int(loaded.timeIntervalSince(started))) s, caught up \(Int(Date().timeIntervalSince(loaded))) s later;",
              "\(figures.samples) samples of the lock table, \(figures.held) with a batch holding the apply lock, \(figures.overlapping) with two or more,",
              "at most \(figures.mostHolders) at once")
        #expect(differences.isEmpty, "seed \(seed): the warehouse equals the source: \(differences.prefix(20))")

        let warehouse = try env.warehouse()
        let quarantined = try warehouse.execute("SELECT count(*) FROM dw.quarantine").scalar
        #expect(quarantined == "0", "seed \(seed): nothing quarantined (\(quarantined ?? "?") rows in dw.quarantine)")
        let waiting = try warehouse.execute("""
            SELECT (SELECT count(*) FROM dw.pending_dim) + (SELECT count(*) FROM dw.pending_fact) + (SELECT count(*) FROM dw.tx_arrival)
            """).scalar
        #expect(waiting == "0", "seed \(seed): nothing waits behind a watermark or a truncate (\(waiting ?? "?") rows)")
        let allLogs = (members + [joined].compactMap { $0 }).map(\.log)
        let deadLettered = try TopicReader(brokers: env.stack.brokers).read([config.deadLetterTopic], minimum: 0, within: 3)
        #expect(deadLettered.isEmpty && !allLogs.contains { $0.contains("poison record sent to the dead-letter topic") },
                "seed \(seed): nothing dead-lettered (\(deadLettered.count) records in \(config.deadLetterTopic))")
        #expect(allLogs.allSatisfy { $0.contains("partitions assigned") }, "seed \(seed): every member was assigned partitions")
        #expect(figures.overlapping > 0,
                "seed \(seed): two appliers held the apply lock at the same moment (\(figures.samples) samples, \(figures.held) with one holder, none with two; logs in \(logs))")

        for (index, member) in members.enumerated() {
            #expect(member.terminate() == 0, "apply\(index + 1) stopped cleanly: \(member.log.suffix(1_500))")
        }
        captureFinished = true
        try capture.finish()
    }
}

/// The source workload on a thread of its own, in steps of a few transactions, so that the
/// test can act at points of it.
final class WorkloadThread: Sendable {
    private let state = Mutex<(committed: Int, finished: Bool, failure: String?)>((0, false, nil))

    /// `pause` microseconds after every 5 transactions: a steady stream, not one burst.
    init(_ env: TestEnvironment, seed: UInt64, transactions: Int, pause: UInt32) {
        Thread { [self] in
            do {
                let connection = try env.source()
                var workload = RandomWorkload(seed: seed)
                while state.withLock({ $0.committed }) < transactions {
                    let step = min(5, transactions - state.withLock { $0.committed })
                    try workload.run(connection, transactions: step, truncates: true)
                    state.withLock { $0.committed += step }
                    usleep(pause)
                }
            } catch {
                state.withLock { $0.failure = "\(error)" }
            }
            state.withLock { $0.finished = true }
        }.start()
    }

    var committed: Int { state.withLock { $0.committed } }
    var isFinished: Bool { state.withLock { $0.finished } }
    var failure: String? { state.withLock { $0.failure } }
}

/// Samples the warehouse's lock table every 5 ms: a sample in which two `helio-apply`
/// sessions both hold (granted) one advisory lock is a moment in which two batches were inside
/// `dw.apply_staged` at once. An exclusive lock is never granted to two sessions, so
/// one-at-a-time apply gives no such sample; the per-unit-day climate locks are exclusive too.
final class ApplyOverlapSampler: Sendable {
    struct Figures: Sendable {
        var samples = 0
        /// Samples in which at least one batch held the apply lock (the sampler sees it at all).
        var held = 0
        var overlapping = 0
        var mostHolders = 0
    }

    private let figures = Mutex(Figures())
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    static let query = """
        SELECT coalesce(max(holders), 0) FROM (
            SELECT count(DISTINCT l.pid) AS holders FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = 'helio-apply' AND datname = current_database())
            GROUP BY l.classid, l.objid, l.objsubid) held
        """

    init(_ env: TestEnvironment) {
        Thread { [self] in
            defer { done.signal() }
            guard let connection = try? env.warehouse() else { return }
            while !stopped.withLock({ $0 }) {
                if let holders = (try? connection.execute(Self.query).scalar).flatMap({ Int($0) }) {
                    figures.withLock {
                        $0.samples += 1
                        if holders >= 1 { $0.held += 1 }
                        if holders >= 2 { $0.overlapping += 1 }
                        $0.mostHolders = max($0.mostHolders, holders)
                    }
                }
                usleep(5_000)
            }
        }.start()
    }

    /// Stops sampling (once; later calls only read) and returns what was seen.
    @discardableResult
    func finish() -> Figures {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        if first { done.wait() }
        return figures.withLock { $0 }
    }
}
