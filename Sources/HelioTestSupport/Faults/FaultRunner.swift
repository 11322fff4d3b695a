import Foundation
import HelioOps
import HelioPostgres

/// Runs the whole pipeline — `helio capture` and `helio apply` as separate processes on a
/// stack of the suite's own — under a random workload, injects the plan's faults one after
/// another, measures recovery after each, and audits the warehouse against the source.
public final class FaultRunner: @unchecked Sendable {
    public let plan: FaultPlan
    let stack: FaultStack
    let config: HelioConfiguration
    let pipeline: SupervisedPipeline
    let workload: WorkloadDriver
    var probe: RecoveryProbe!
    var report: FaultReport
    var random: SplitMix
    /// How many times each fault ran so far (faults vary with it: fast/immediate, which table).
    var rounds: [Fault: Int] = [:]
    let started = Date()
    /// Progress lines also go here as they happen (`swift test` shows a test's output only at its end).
    public var progressPath: String?

    public init(plan: FaultPlan) throws {
        self.plan = plan
        stack = try FaultStack()
        config = stack.configuration(batchSize: plan.batchSize)
        pipeline = SupervisedPipeline(config: config, logDirectory: "\(stack.root)/logs")
        let stack = stack
        workload = WorkloadDriver(seed: plan.seed &+ 1, transactionsPerSecond: plan.workloadRate) { try stack.sourceAdmin() }
        report = FaultReport(title: "Fault suite, \(plan.size.rawValue) run", seed: plan.seed)
        random = SplitMix(seed: plan.seed &+ 2)
    }

    /// The whole run; the report, whatever happened (a setup failure throws).
    public func run() throws -> FaultReport {
        defer {
            workload.stop()
            pipeline.shutdown()
            stack.stop()
        }
        say("stack in \(stack.root): source :\(stack.source.port), warehouse :\(stack.warehouse.port), broker :\(stack.broker.port); helio \(HelioProcess.binary.path)")
        try stack.start()
        var seeding = RandomWorkload(seed: plan.seed)
        try seeding.seed(try stack.sourceAdmin(), users: plan.seedUsers)
        probe = try RecoveryProbe(stack: stack)
        try pipeline.start(.capture)
        try waitForStreaming(within: 120)
        try pipeline.start(.apply)
        pipeline.startMonitor()
        workload.start()
        guard let first = probe.measure(since: Date(), within: plan.recoveryTimeout) else {
            throw Spawn.Failed(command: "the pipeline's first change", status: -1,
                               output: "never reached the warehouse; logs in \(stack.root)/logs")
        }
        say(String(format: "pipeline up; first change applied in %.1f s", first))

        let schedule = plan.schedule()
        for (index, fault) in schedule.enumerated() {
            Thread.sleep(forTimeInterval: Double.random(in: plan.gapSeconds, using: &random))
            // The broker's data loss is repaired by a rebuild: check what was built before it.
            if fault == .brokerRestart { try checkpoint("before the broker's data loss") }
            let exitsBefore = pipeline.unexpectedExits.count
            rounds[fault, default: 0] += 1
            var injection: FaultReport.Injection
            do {
                injection = try inject(fault, round: rounds[fault]!)
            } catch {
                injection = FaultReport.Injection(fault: fault.rawValue, survived: false, recoverySeconds: nil, note: "the fault's step failed: \(error)")
            }
            let exits = pipeline.unexpectedExits.dropFirst(exitsBefore)
            if !exits.isEmpty {
                injection.survived = false
                injection.note += "; unexpected exits: \(exits.map(\.description).joined(separator: " | "))"
            }
            report.injections.append(injection)
            say("\(index + 1)/\(schedule.count) \(injection.fault): \(injection.survived ? "survived" : "NOT SURVIVED")"
                + (injection.recoverySeconds.map { String(format: ", recovered in %.1f s", $0) } ?? "") + " — \(injection.note)")
        }
        try checkpoint("final")
        workload.stop()
        report.workloadTransactions = workload.committed
        report.workloadFailures = workload.failed
        report.unexpectedExits = pipeline.unexpectedExits.map(\.description)
        let source = try stack.sourceAdmin()
        for table in FaultStack.tables {
            report.sourceRows[table] = Int(try source.execute("SELECT count(*) FROM \(table)").scalar ?? "0") ?? 0
        }
        report.wallSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// Pauses the workload, waits for the warehouse to equal the source and audits it.
    func checkpoint(_ label: String) throws {
        workload.pause()
        defer { workload.resume() }
        // Every fault before has recovered (its probe, a dimension and a fact, was applied):
        // what is left to apply is seconds of workload, so a warehouse that does not converge
        // within the ordinary timeout has lost something.
        let result = try WarehouseAudit.run(label, stack: stack, piiKey: config.piiKey!, timezone: config.timezone,
                                            sampleMinutes: config.sampleMinutes, within: plan.recoveryTimeout)
        report.audits.append(result)
        say("checkpoint \(label): " + (result.catchUpSeconds.map { String(format: "caught up in %.1f s", $0) } ?? "did NOT catch up")
            + ", changes lost \(result.changesLost), duplicates \(result.duplicateRows), invariant violations \(result.invariantViolations)")
    }

    /// A change committed after `since` reached the warehouse: seconds, or nil.
    func recovery(since: Date, within seconds: Double? = nil) -> Double? {
        probe.measure(since: since, within: seconds ?? plan.recoveryTimeout)
    }

    /// Waits until the slot's walsender streams (capture has taken its snapshot).
    func waitForStreaming(within seconds: Double) throws {
        try eventually("capture to stream from slot \(config.slot)", within: seconds) {
            guard let admin = try? stack.sourceAdmin() else { return false }
            return (try? admin.execute("""
                SELECT 1 FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid
                WHERE s.slot_name = $1 AND r.state = 'streaming'
                """, [config.slot]).rows.count) == 1
        }
    }

    func say(_ line: String) {
        let text = String(format: "[faults %4d s] ", Int(Date().timeIntervalSince(started))) + line
        print(text)
        guard let progressPath else { return }
        if !FileManager.default.fileExists(atPath: progressPath) { _ = FileManager.default.createFile(atPath: progressPath, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: progressPath) {
            handle.seekToEndOfFile()
            handle.write(Data((text + "\n").utf8))
            try? handle.close()
        }
    }
}
