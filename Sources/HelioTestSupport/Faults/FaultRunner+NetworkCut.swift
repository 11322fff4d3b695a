import Foundation
import HelioPostgres

/// Issue #13 item 5: the streaming capture's machine loses its network while a standby waits.
extension FaultRunner {
    /// The streaming capture runs on a "machine" of its own (`NetworkCut`: a network namespace
    /// whose only way to PostgreSQL and Kafka is a proxy) with a standby capture beside the
    /// pipeline; then its network goes silent (the proxy stopped: no reset, no close).
    ///
    /// Survived when the standby streams the slot within 10 s of the cut (the source ends the
    /// silent capture's replication session after capture's `wal_sender_timeout`, 5 s, and the
    /// slot's lock with it), a change committed after the cut reaches the warehouse, and then,
    /// in turn:
    /// - the network comes back (odd rounds, and the short run): the old capture, which kept
    ///   running, stands by again without taking the slot back, and a change committed after
    ///   that still arrives — records its producer had queued reach Kafka late, as duplicates
    ///   of what the standby published again from the slot's confirmed position;
    /// - the machine never comes back (even rounds): it is killed while cut off, so what its
    ///   producer held dies with it — anything it had confirmed without Kafka's
    ///   acknowledgement would be missing at the next audit.
    /// The recovery time is counted from the cut (the fault is never lifted for the takeover).
    /// Afterwards both are stopped and the suite's own capture streams again.
    func networkCut(round: Int) throws -> FaultReport.Injection {
        let fault = Fault.networkCut.rawValue
        let comesBack = plan.size == .short || round % 2 == 1
        let network = try NetworkCut(root: stack.root)
        var cutOff: HelioChild?
        var standby: HelioChild?
        defer {
            cutOff?.kill9()
            network.remove()
        }
        try network.startProxy(ports: stack.sourcePorts + [stack.broker.port])
        // The suite's capture steps aside; the one on the other machine takes the slot.
        pipeline.stop(.capture)
        let standbySettings = ["HELIO_CAPTURE_STANDBY": "true", "HELIO_METRICS_ADDR": "off"]
        let active = try HelioChild(["capture"], role: "capture", config: config, extra: standbySettings,
                                    logPath: "\(pipeline.logDirectory)/capture-cut-off-\(round).log", prefix: network.prefix)
        cutOff = active
        try waitForStreaming(within: 60)
        let oldWalsender = try streamingWalsender()
        let waiting = try pipeline.startExtra(.capture, config: config, extra: standbySettings)
        standby = waiting
        try? eventually("the second capture to stand by", within: 60) { waiting.log.contains("standing by") }
        let stoodBy = waiting.log.contains("standing by")
        // The pipeline works through the other machine's network before it is cut.
        let before = recovery(since: Date())
        Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.5, using: &random))

        network.cut()
        let cutAt = Date()
        var takeover: Double?
        let watcher = try? stack.sourceAdmin()
        func checkTakeover() {
            guard takeover == nil, let pid = try? watcher?.execute("""
                SELECT s.active_pid::text FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
                 WHERE s.slot_name = $1 AND r.state = 'streaming'
                """, [config.slot]).scalar, pid != oldWalsender else { return }
            takeover = Date().timeIntervalSince(cutAt)
        }
        let seconds = probe.measure(since: cutAt, within: plan.recoveryTimeout, whileWaiting: checkTakeover)
        try? eventually("the standby to stream the slot", within: 30) { checkTakeover(); return takeover != nil }
        let tookOver = waiting.log.contains("taking over the slot")
        let aliveWhileCut = active.isRunning

        var steppedDown: Double?
        var after: Double?
        var ending: String
        if comesBack {
            network.restore()
            let restored = Date()
            try? eventually("the old capture to stand by", within: 60) { active.log.contains("standing by") || !active.isRunning }
            if active.log.contains("standing by") && active.isRunning { steppedDown = Date().timeIntervalSince(restored) }
            // Time for its producer to deliver what it still held when the network went away:
            // late duplicates of what the standby published again, which the probe's change
            // after them and the next audit must survive.
            Thread.sleep(forTimeInterval: 3)
            after = recovery(since: Date())
            let holder = try streamingWalsender()
            let kept = takeover != nil && holder != nil && holder != oldWalsender && active.isRunning
            ending = "network back: " + (steppedDown.map { String(format: "the old capture stood by %.1f s later", $0) } ?? "the old capture did NOT stand by: \(active.logTail(2))")
                + (kept ? ", the standby kept the slot" : ", the slot did NOT stay with the standby")
                + (after != nil ? ", a later change arrived" : ", NO later change arrived")
            if !kept { steppedDown = nil }
        } else {
            active.kill9()
            network.restore()
            steppedDown = 0
            after = 0
            ending = "the cut-off capture killed while cut off"
        }
        _ = active.terminate()
        if comesBack {
            // librdkafka names what it still held at its stop; nothing means it delivered it all.
            let held = active.log.range(of: #"terminating with (\d+) messages"#, options: .regularExpression).map { String(active.log[$0]) }
            ending += held.map { "; its producer was still \($0.replacingOccurrences(of: "terminating with ", with: "holding ")) at its stop" }
                ?? "; its producer delivered what it held"
        }
        _ = waiting.terminate()
        cutOff = nil
        standby = nil
        try pipeline.start(.capture)
        _ = recovery(since: Date())

        let inTime = takeover.map { $0 <= 10 } ?? false
        let survived = before != nil && stoodBy && tookOver && inTime && aliveWhileCut && seconds != nil && steppedDown != nil && after != nil
        var measurements: [String: Double] = [:]
        if let takeover { measurements["takeover_seconds"] = takeover }
        if comesBack, let steppedDown { measurements["step_down_seconds"] = steppedDown }
        return FaultReport.Injection(
            fault: fault, survived: survived, recoverySeconds: seconds,
            note: (before == nil ? "NO change through the cut-off machine before the cut; " : "")
                + (stoodBy ? "" : "the standby NEVER stood by; ")
                + (takeover.map { String(format: "the standby streamed the slot %.1f s after the cut", $0) + ($0 <= 10 ? "" : " (MORE than 10 s)") }
                    ?? "the standby did NOT take over: \(waiting.logTail(2))")
                + (aliveWhileCut ? "" : "; the cut-off capture EXITED: \(active.logTail(2))")
                + "; \(ending)",
            measurements: measurements)
    }

    /// The walsender streaming the suite's slot, or nil.
    func streamingWalsender() throws -> String? {
        try stack.sourceAdmin().execute("""
            SELECT s.active_pid::text FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
             WHERE s.slot_name = $1 AND r.state = 'streaming'
            """, [config.slot]).scalar
    }
}
