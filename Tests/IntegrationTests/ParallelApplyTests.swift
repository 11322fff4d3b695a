import Foundation
import HelioOps
import HelioPostgres
import HelioTestSupport
import Synchronization
import Testing

/// Partition-parallel apply (issue #16, `apply.parallel`): 2 and 4 `helio apply` processes in
/// one consumer group, each applying its partitions' batches with the warehouse's apply lock
/// held shared, while the source runs a seeded random workload at a steady pace (truncates,
/// which take the lock exclusively, in one step of eight; a second test truncates in every
/// step). During the load one applier is killed with SIGKILL and started again, and one more
/// member joins the group and later leaves it cleanly (once the group has settled: the local
/// broker keeps a member that leaves mid-rebalance as the group's leader, see `settled`):
/// three rebalances at seeded points of the workload. Afterwards the warehouse must equal the one the source gives
/// (`waitForWarehouse`: what one applier builds), nothing may be quarantined or dead-lettered,
/// nothing may wait in the pending tables, every applier still runs and stops cleanly, and no
/// batch may have met other appliers' (deadlock, serialization failure) more than 3 times in
/// a row. And the appliers must have overlapped: the warehouse's lock table, sampled every
/// 5 ms during the run, showed two `helio-apply` sessions holding one advisory lock at the
/// same moment, neither waiting for a lock (two batches running inside `dw.apply_staged` at
/// once). One-at-a-time apply takes that lock exclusive, so without the parallel mode that
/// check fails (0 of 3,265 and 0 of 4,544 samples before it landed). Each run prints its
/// figures: samples with the apply lock held shared / exclusive, samples with batches at
/// once, and how often the warehouse had a reason to make batches exclusive.
///
/// Each run prints its seed. `HELIO_PARALLEL_APPLY_SEED=s` repeats a run (every test starts
/// from `s`); `HELIO_PARALLEL_APPLY_SEEDS=n` is the long version: n seeds per test case (s,
/// s+1, …), 800 transactions instead of 200 and three kills per run instead of one (about
/// 1.5 minutes a seed and case on two cores). `make test` runs the short one (one seed each, about
/// 35 s a case).
@Suite("Partition-parallel apply", .serialized)
struct ParallelApplyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds = Int(environment["HELIO_PARALLEL_APPLY_SEEDS"] ?? "") ?? 0
    static let firstSeed = UInt64(environment["HELIO_PARALLEL_APPLY_SEED"] ?? "")

    @Test("appliers in one group with apply.parallel, kill -9 and a member joining and leaving mid-load: one applier's warehouse, batches at the same time",
          arguments: [2, 4])
    func parallelAppliers(_ appliers: Int) throws {
        for seed in Self.seeds(from: UInt64(1600 + appliers)) {
            try run(appliers: appliers, seed: seed, truncatesEvery: 8, kills: Self.seeds > 0 ? 3 : 1)
        }
    }

    /// Every step of the workload truncates something, so that most batches need the
    /// warehouse exclusively while others wait for it: exclusive and shared batches meet all
    /// the time. Here only the outcome is judged (no applier gives up, the warehouse and the
    /// source agree), not how often batches ran at once.
    @Test("truncates in every step, 4 appliers with apply.parallel: exclusive batches among shared ones, no applier gives up, one applier's warehouse")
    func truncatesAmongParallelBatches() throws {
        for seed in Self.seeds(from: 1664) {
            try run(appliers: 4, seed: seed, truncatesEvery: 1, kills: Self.seeds > 0 ? 3 : 1, expectOverlap: false)
        }
    }

    /// The `attempt` of each "applying it again" line of an applier's log.
    static func conflictAttempts(_ log: String) -> [Int] {
        log.split(separator: "\n").filter { $0.contains("applying it again") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("attempt=") }.flatMap { Int($0.dropFirst("attempt=".count)) }
        }
    }

    /// Whether a group's members hold `partitions` partitions between them, each member's last
    /// rebalance line being an assignment (none revoked and waiting for the next).
    static func settled(_ logs: [String], partitions: Int) -> Bool {
        var held = 0
        for log in logs {
            // (a member started again appends to its predecessor's log: only its own lines count)
            let lines = log.split(separator: "\n")
            guard let start = lines.lastIndex(where: { $0.contains(" applying group=") }),
                  let last = lines[start...].last(where: { $0.contains("partitions assigned") || $0.contains("partitions revoked") }),
                  last.contains("partitions assigned") else { return false }
            held += last.components(separatedBy: "@").count - 1   // (one "topic[p]@offset" per partition)
        }
        return held == partitions
    }

    /// What holds changes back, for a run that did not catch up: the END horizon, waiting
    /// truncates, incomplete arrival counts (END's count against events arrived, per partition),
    /// and the waiting changes per table, operation and partition.
    static func barrierState(_ warehouse: PostgresConnection) throws -> String {
        let queries = [
            "SELECT 'horizon', commit_lsn::text FROM dw.tx_end_horizon",
            "SELECT 'watermark', coalesce(dw.dim_watermark()::text, 'null')",
            """
            SELECT 'truncate', source_table, commit_lsn::text, lsn::text, kpartition FROM dw.pending_fact WHERE row_id IS NULL
            UNION ALL SELECT 'truncate (dim)', source_table, commit_lsn::text, lsn::text, kpartition FROM dw.pending_dim WHERE row_id IS NULL
            """,
            "SELECT 'applied truncate', source_table, commit_lsn::text, lsn::text FROM dw.applied_truncate ORDER BY commit_lsn DESC LIMIT 5",
            "SELECT 'arrival', commit_lsn::text, source_table, expected, dw._arrived(commit_lsn, source_table), end_seen_at::text FROM dw.tx_arrival ORDER BY commit_lsn LIMIT 20",
            "SELECT 'arrival partition', commit_lsn::text, source_table, kpartition, arrived, max_lsn::text, max_row FROM dw.tx_arrival_partition ORDER BY commit_lsn, source_table, kpartition LIMIT 40",
            """
            SELECT 'waiting fact', source_table, op, kpartition, count(*), min(commit_lsn)::text, max(commit_lsn)::text FROM dw.pending_fact GROUP BY 2, 3, 4
            UNION ALL SELECT 'waiting dim', source_table, op, kpartition, count(*), min(commit_lsn)::text, max(commit_lsn)::text FROM dw.pending_dim GROUP BY 2, 3, 4
            """,
            "SELECT 'tx_log', commit_lsn::text, dim_expected, dim_applied FROM dw.tx_log WHERE dim_expected IS NULL OR dim_applied < dim_expected ORDER BY commit_lsn LIMIT 10",
        ]
        return try queries.map { query in
            (try? warehouse.execute(query).rows.map { $0.map { $0 ?? "null" }.joined(separator: " ") }.joined(separator: "\n"))
                ?? "(\(query.prefix(40))… failed)"
        }.joined(separator: "\n")
    }

    /// `HELIO_PARALLEL_APPLY_SEED` (else `default`) and the seeds after it, as many as
    /// `HELIO_PARALLEL_APPLY_SEEDS` (else one).
    static func seeds(from default: UInt64) -> [UInt64] {
        let first = firstSeed ?? `default`
        return Array(first..<(first + UInt64(max(1, seeds))))
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

    /// One run: 200 transactions (800 in the long version) at a steady pace, truncates in one
    /// step (5 transactions) of `truncatesEvery`, `kills` kill -9s, a member joining and leaving.
    func run(appliers count: Int, seed: UInt64, truncatesEvery: Int, kills: Int, expectOverlap: Bool = true) throws {
        let transactions = Self.seeds > 0 ? 800 : 200
        print("ParallelApplyTests: \(count) appliers, truncates in 1 step of \(truncatesEvery), seed \(seed) (HELIO_PARALLEL_APPLY_SEED=\(seed) repeats this run)")
        var random = SplitMix(seed: seed)
        let env = try TestEnvironment("parallel\(count)")
        defer { env.drop() }
        let logs = env.spoolDirectory + "-logs"   // (kept after the run: env.drop() removes the spool directory)
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var workload = RandomWorkload(seed: seed)
        try workload.seed(try env.source())
        var config = env.userConfiguration()
        config.batchSize = 200   // several batches per partition and second: kills land between and inside batches
        config.parallelApply = true
        let capture = RunningCapture(env, config: config)
        var captureFinished = false
        defer { if !captureFinished { try? capture.finish() } }
        try env.waitForSlot()

        func applier(_ name: String) throws -> HelioProcess {
            try HelioProcess(["apply"], config: config, logPath: "\(logs)/\(name).log")
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
        var lastKill: Date?
        // ~25 s of load for 200 transactions: time for the group to rebalance three times within it
        let load = WorkloadThread(env, seed: seed &+ 1, transactions: transactions, truncatesEvery: truncatesEvery, pause: 500_000)
        for (at, what) in plan {
            try eventually("the workload to reach transaction \(at)", within: 120) { load.committed >= at || load.isFinished }
            print("ParallelApplyTests: seed \(seed), transaction \(load.committed): \(what)")
            switch what {
            case .kill:
                let victim = Int.random(in: 0..<members.count, using: &random)
                members[victim].kill9()
                lastKill = Date()
                usleep(UInt32.random(in: 200_000...1_500_000, using: &random))
                members[victim] = try applier("apply\(victim + 1)")
            case .join:
                joined = try applier("joined")
            case .leave:
                // (a member that got partitions, so that its leaving hands them over)
                try eventually("the joined member to be assigned partitions", within: 30) { joined?.log.contains("partitions assigned") == true }
                // Not while the group rebalances: the local broker (Tansu 0.6) keeps a member that
                // leaves during a rebalance as the group's leader, and the group then assigns
                // nothing for minutes (deploy/local/check-group-rebalance.py shows it without
                // Helio). Kafka elects another leader; leaving a settled group is what matters here.
                let live = members + [joined].compactMap { $0 }
                // (a killed member stays in the group until its session times out, 6 s)
                if let lastKill { usleep(UInt32(max(0, 8 - Date().timeIntervalSince(lastKill)) * 1_000_000)) }
                try eventually("the group to settle before the member leaves (every partition held, no member rebalancing)", within: 90) {
                    Self.settled(live.map(\.log), partitions: 6 * 4 + 1)   // (six table topics of 4 partitions, the transaction topic's 1)
                }
                #expect(joined?.terminate() == 0, "the joined member left cleanly: \(joined?.log.suffix(1_500) ?? "")")
            }
        }
        try eventually("the workload to finish", within: 120) { load.isFinished }
        #expect(load.failure == nil, "the workload ran: \(load.failure ?? "")")
        let loaded = Date()
        let differences = try env.waitForWarehouse(within: 90)
        let figures = sampler.finish()
        print("ParallelApplyTests: seed \(seed): load \(Int(loaded.timeIntervalSince(started))) s, caught up \(Int(Date().timeIntervalSince(loaded))) s later;",
              "\(figures.samples) samples of the lock table: a batch holding the apply lock shared in \(figures.shared), exclusive in \(figures.exclusive);",
              "two or more batches running at once in \(figures.overlapping) (at most \(figures.mostRunning));",
              "of \(figures.looked) looks, a reason for exclusive batches in: \(figures.reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(differences.isEmpty, "seed \(seed): the warehouse equals the source: \(differences.prefix(20))")

        let warehouse = try env.warehouse()
        let quarantined = try warehouse.execute("SELECT count(*) FROM dw.quarantine").scalar
        #expect(quarantined == "0", "seed \(seed): nothing quarantined (\(quarantined ?? "?") rows in dw.quarantine)")
        let waiting = try warehouse.execute("""
            SELECT (SELECT count(*) FROM dw.pending_dim) + (SELECT count(*) FROM dw.pending_fact) + (SELECT count(*) FROM dw.tx_arrival)
            """).scalar
        #expect(waiting == "0", "seed \(seed): nothing waits behind a watermark or a truncate (\(waiting ?? "?") rows)")
        if waiting != "0" { print("ParallelApplyTests: seed \(seed): what waits:\n\(try Self.barrierState(warehouse))") }
        let allLogs = (members + [joined].compactMap { $0 }).map(\.log)
        let deadLettered = try TopicReader(brokers: env.stack.brokers).read([config.deadLetterTopic], minimum: 0, within: 3)
        #expect(deadLettered.isEmpty && !allLogs.contains { $0.contains("poison record sent to the dead-letter topic") },
                "seed \(seed): nothing dead-lettered (\(deadLettered.count) records in \(config.deadLetterTopic))")
        #expect(allLogs.allSatisfy { $0.contains("partitions assigned") }, "seed \(seed): every member was assigned partitions")
        // A batch that meets another applier's (a deadlock, a serialization failure) is
        // applied again; meeting it again and again is a livelock, not bad luck.
        let attempts = allLogs.flatMap(Self.conflictAttempts)
        print("ParallelApplyTests: seed \(seed): \(attempts.count) batches applied again after meeting another's, at most \(attempts.max() ?? 0) times in a row")
        #expect((attempts.max() ?? 0) <= 3, "seed \(seed): no batch met other appliers' more than 3 times in a row (\(attempts.max() ?? 0); logs in \(logs))")
        #expect(!expectOverlap || figures.overlapping > 0,
                "seed \(seed): two appliers held the apply lock at the same moment (none in \(figures.samples) samples; shared in \(figures.shared), exclusive in \(figures.exclusive); logs in \(logs))")

        for (index, member) in members.enumerated() {
            #expect(member.isRunning, "apply\(index + 1) still runs (none gave up): \(member.log.suffix(1_500))")
            if member.isRunning { #expect(member.terminate() == 0, "apply\(index + 1) stopped cleanly: \(member.log.suffix(1_500))") }
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
    init(_ env: TestEnvironment, seed: UInt64, transactions: Int, truncatesEvery: Int, pause: UInt32) {
        Thread { [self] in
            do {
                let connection = try env.source()
                var workload = RandomWorkload(seed: seed)
                for index in 0... {
                    let step = min(5, transactions - state.withLock { $0.committed })
                    guard step > 0 else { break }
                    try workload.run(connection, transactions: step, truncates: index % truncatesEvery == truncatesEvery - 1)
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

/// Samples the warehouse's lock table (`pg_locks`, one consistent snapshot per sample) every
/// 5 ms. A sample in which two `helio-apply` sessions both hold one advisory lock, granted,
/// and neither waits for any lock, is a moment in which two batches were running inside
/// `dw.apply_staged` at once. An exclusive lock is never granted to two sessions (the
/// one-at-a-time apply lock, the per-partition and per-unit-day locks), so one-at-a-time apply
/// gives no such sample; a shared holder blocked behind another (on a partition lock, a row)
/// does not count either. Besides, how often a batch held the apply lock
/// (`hashtext('helio.dw.apply_staged')`) shared or exclusive, for the printed figures.
final class ApplyOverlapSampler: Sendable {
    struct Figures: Sendable {
        var samples = 0
        /// Samples in which a batch held the apply lock shared / exclusive.
        var shared = 0
        var exclusive = 0
        /// Samples with two or more batches running at once, and the most seen at once.
        var overlapping = 0
        var mostRunning = 0
        /// Of every tenth sample, how many found each of the warehouse's reasons for an
        /// exclusive batch (`dw._needs_whole_warehouse`, the batch's own staged truncates aside).
        var looked = 0
        var reasons: [String: Int] = [:]
    }

    private let figures = Mutex(Figures())
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    static let query = """
        WITH l AS (
            SELECT * FROM pg_locks
            WHERE pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = 'helio-apply' AND datname = current_database())),
        advisory AS (
            SELECT * FROM l WHERE locktype = 'advisory' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND pid NOT IN (SELECT pid FROM l WHERE NOT granted)),
        apply_lock AS (
            SELECT mode FROM l WHERE locktype = 'advisory' AND granted AND objsubid = 1
              AND objid = (hashtext('helio.dw.apply_staged')::bigint & 4294967295)::oid)
        SELECT (SELECT coalesce(max(n), 0) FROM (SELECT count(DISTINCT pid) n FROM advisory GROUP BY classid, objid, objsubid) k),
               (SELECT count(*) FROM apply_lock WHERE mode = 'ShareLock'),
               (SELECT count(*) FROM apply_lock WHERE mode = 'ExclusiveLock')
        """

    static let reasonsQuery = """
        SELECT 'a truncate waiting in pending_dim' WHERE EXISTS (SELECT FROM dw.pending_dim WHERE row_id IS NULL OR kpartition IS NULL)
        UNION ALL SELECT 'a truncate waiting in pending_fact' WHERE EXISTS (SELECT FROM dw.pending_fact WHERE row_id IS NULL OR kpartition IS NULL)
        UNION ALL SELECT 'held_change' WHERE EXISTS (SELECT FROM dw.held_change)
        UNION ALL SELECT 'unresolved_change' WHERE EXISTS (SELECT FROM dw.unresolved_change)
        """

    init(_ env: TestEnvironment) {
        Thread { [self] in
            defer { done.signal() }
            guard let connection = try? env.warehouse() else { return }
            var round = 0
            while !stopped.withLock({ $0 }) {
                round += 1
                if round % 10 == 0, let reasons = try? connection.execute(Self.reasonsQuery).rows.compactMap({ $0[0] }) {
                    figures.withLock {
                        $0.looked += 1
                        for reason in reasons { $0.reasons[reason, default: 0] += 1 }
                    }
                }
                if let row = (try? connection.execute(Self.query))?.rows.first, row.count == 3,
                   let running = row[0].flatMap({ Int($0) }), let shared = row[1].flatMap({ Int($0) }),
                   let exclusive = row[2].flatMap({ Int($0) }) {
                    figures.withLock {
                        $0.samples += 1
                        if shared > 0 { $0.shared += 1 }
                        if exclusive > 0 { $0.exclusive += 1 }
                        if running >= 2 { $0.overlapping += 1 }
                        $0.mostRunning = max($0.mostRunning, running)
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
