import Foundation
import HelioOps

extension FaultRunner {
    /// SIGSTOP of the broker for a while: capture waits (confirming nothing it was not
    /// acknowledged), apply waits; both go on after SIGCONT without a restart.
    func brokerPause() -> FaultReport.Injection {
        stack.broker.pause()
        Thread.sleep(forTimeInterval: plan.brokerPauseSeconds)
        stack.broker.resume()
        let lifted = Date()
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: Fault.brokerPause.rawValue + " \(Int(plan.brokerPauseSeconds)) s", survived: seconds != nil,
                                     recoverySeconds: seconds, note: "recovery counted from SIGCONT; no restart needed")
    }

    /// The broker stopped and started again empty (memory storage): Kafka lost records the
    /// slot is already past. Capture must stop and say so; then the documented remedy runs
    /// (docs/operations.md, "The broker lost its data", rebuild branch): stop both, delete what
    /// is left of the topics, drop the slot, set the warehouse aside, start again — a new
    /// snapshot into a new warehouse. Recovery is counted from the broker's restart.
    func brokerRestart(round: Int) throws -> FaultReport.Injection {
        let fault = Fault.brokerRestart.rawValue
        pipeline.unwatch(.capture)
        pipeline.unwatch(.apply)
        let lifted = Date()
        try stack.broker.restart()
        // Capture notices when Kafka stops acknowledging (15 s), or at its next start.
        let capture = pipeline.child(.capture)
        let captureStatus = capture?.waitForExit(within: 90)
        let captureSaid = capture?.log.contains("the Kafka log lost records capture had delivered") == true
        let apply = pipeline.child(.apply)
        let applyStatus = apply?.waitForExit(within: 45)
        let applySaid = apply?.log.contains("no longer holds the records this warehouse was built from") == true
        var note = "capture " + (captureStatus.map { "exited \($0)" } ?? "kept running")
            + (captureSaid ? " saying the Kafka log lost records it had delivered" : " WITHOUT saying the log was lost: \(capture?.logTail(2) ?? "")")
            + "; apply " + (applyStatus.map { "exited \($0)" } ?? "kept running (its offset guard checks at the next assignment)")
            + (applySaid ? " with the offset guard's advice" : "")

        // The remedy, step by step.
        pipeline.stop(.apply)
        pipeline.stop(.capture)
        // A capture started now must refuse too: the loss is remembered, not forgotten by a restart.
        let again = try pipeline.start(.capture, supervised: false)
        let againStatus = again.waitForExit(within: 60)
        let refusedAgain = againStatus == HelioExit.needsOperator && again.log.contains("the Kafka log lost records")
        if againStatus == nil { again.kill9() }
        note += refusedAgain ? "; a restarted capture refused as well" : "; a restarted capture did NOT refuse (exit \(againStatus.map(String.init) ?? "none"))"
        try stack.broker.restart() // what is left of the topics goes
        let drop = try pipeline.startExtra(.capture, config: config, extra: [:], arguments: ["slot", "drop", "--yes"])
        let dropStatus = drop.waitForExit(within: 60)
        guard dropStatus == 0 else { throw Spawn.Failed(command: "helio slot drop --yes", status: dropStatus ?? -1, output: drop.logTail(5)) }
        try stack.warehouseAdmin().execute("ALTER SCHEMA dw RENAME TO dw_lost_\(round)")
        try pipeline.start(.capture)
        try pipeline.start(.apply)
        let seconds = recovery(since: lifted)
        note += "; remedy: slot dropped, dw set aside as dw_lost_\(round), new snapshot applied"
        return FaultReport.Injection(fault: fault, survived: captureSaid && refusedAgain && seconds != nil, recoverySeconds: seconds, note: note)
    }

    /// pg_ctl restart of the source: capture reconnects with backoff, the workload too.
    func sourceRestart(mode: String, _ fault: Fault) throws -> FaultReport.Injection {
        try stack.source.restart(mode: mode)
        let lifted = Date()
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: fault.rawValue, survived: seconds != nil, recoverySeconds: seconds,
                                     note: "recovery counted from the server's return")
    }

    /// The source's primary dies (`pg_ctl stop -m immediate`) under the workload and its
    /// streaming standby is promoted (issue #13 item 2). Capture follows it through its
    /// multi-host URL, finds its slot missing and resyncs; the workload and the probe move to
    /// the new primary. Survived when a change reaches the warehouse and the resync finishes;
    /// the next checkpoint audits the warehouse against the promoted primary. Then the old
    /// primary is rebuilt as the new one's standby, for the next failover.
    func sourceFailover() throws -> FaultReport.Injection {
        let resyncsBefore = resyncsFinished()
        try stack.failover()
        let lifted = Date()
        let seconds = recovery(since: lifted)
        let resynced = (try? eventually("capture's resync to finish", within: plan.recoveryTimeout) { resyncsFinished() > resyncsBefore }) != nil
        let resyncSeconds = Date().timeIntervalSince(lifted)
        try stack.rebuildStandby()
        return FaultReport.Injection(fault: Fault.sourceFailover.rawValue, survived: seconds != nil && resynced, recoverySeconds: seconds,
                                     note: "recovery counted from the promotion; "
                                         + (resynced ? String(format: "resync finished within %.1f s", resyncSeconds) : "the resync did NOT finish")
                                         + "; the old primary rebuilt as the new standby")
    }

    /// `resync finished` lines in every capture log of the run.
    func resyncsFinished() -> Int {
        let directory = "\(stack.root)/logs"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasPrefix("capture") }.reduce(0) { count, file in
            let text = (try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? ""
            return count + text.components(separatedBy: "resync finished").count - 1
        }
    }

    /// pg_ctl restart of the warehouse while apply is inside a batch's transaction: the batch
    /// rolls back with its offsets, apply reconnects and applies it again.
    func warehouseRestart(mode: String) throws -> FaultReport.Injection {
        let admin = try stack.warehouseAdmin()
        var inBatch = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !inBatch {
            inBatch = (try? admin.execute("""
                SELECT 1 FROM pg_stat_activity
                WHERE application_name = 'helio-apply' AND xact_start IS NOT NULL AND state <> 'idle'
                """).rows.isEmpty == false) ?? false
            if !inBatch { usleep(5_000) }
        }
        try stack.warehouse.restart(mode: mode)
        let lifted = Date()
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: Fault.warehouseRestart.rawValue, survived: seconds != nil, recoverySeconds: seconds,
                                     note: "\(mode); " + (inBatch ? "a batch was in its transaction" : "no batch in progress was seen in 20 s"))
    }
}
