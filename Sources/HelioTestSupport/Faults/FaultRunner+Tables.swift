import Foundation
import HelioApply
import HelioOps

/// Faults of issue #13 items 1 and 3: the active capture killed with a standby waiting, a
/// change the warehouse cannot apply, and one table paused and resumed by an operator.
extension FaultRunner {
    /// kill -9 of the streaming capture while a second one (`capture.standby`) waits: the
    /// standby takes the slot over and the pipeline goes on; then the suite's own capture is
    /// back as the one streaming, for the faults after.
    func standbyTakeover() throws -> FaultReport.Injection {
        let fault = Fault.standbyTakeover.rawValue
        let standby = try pipeline.startExtra(.capture, config: config, extra: ["HELIO_CAPTURE_STANDBY": "true", "HELIO_METRICS_ADDR": "off"])
        try? eventually("the second capture to stand by", within: 60) { standby.log.contains("standing by") }
        let standingBy = standby.log.contains("standing by")
        pipeline.kill9(.capture)
        let killed = Date()
        let seconds = recovery(since: killed)
        let tookOver = standby.log.contains("taking over the slot")
        let takeover = tookOver ? Date().timeIntervalSince(killed) : nil
        _ = standby.terminate()
        try pipeline.start(.capture)
        _ = recovery(since: Date())
        return FaultReport.Injection(fault: fault, survived: standingBy && tookOver && seconds != nil, recoverySeconds: seconds,
                                     note: (standingBy ? "stood by" : "NEVER stood by") + "; "
                                         + (tookOver ? "took the slot over" + (takeover.map { String(format: " (by %.1f s)", $0) } ?? "")
                                                     : "did NOT take over: \(standby.logTail(2))"))
    }

    /// A change that decodes but that the warehouse refuses (a constraint the source does not
    /// have): held in quarantine with its error while everything else goes on; after the fix,
    /// `helio dlq replay`'s release applies it and what waited behind it.
    func applyPoison(round: Int) throws -> FaultReport.Injection {
        let fault = Fault.applyPoison.rawValue
        let token = "poison-city-\(round)-\(UInt16.random(in: 0..<UInt16.max))"
        let constraint = "fault_city_\(round)"
        let warehouse = try stack.warehouseAdmin()
        try warehouse.execute("ALTER TABLE dw.dim_units ADD CONSTRAINT \(constraint) CHECK (city IS DISTINCT FROM '\(token)')")
        let source = try stack.sourceAdmin()
        guard let unit = try source.execute("SELECT id::text FROM units ORDER BY random() LIMIT 1").scalar else {
            try warehouse.execute("ALTER TABLE dw.dim_units DROP CONSTRAINT \(constraint)")
            return FaultReport.Injection(fault: fault, survived: false, recoverySeconds: nil, note: "no unit to change")
        }
        try source.execute("UPDATE units SET city = $1 WHERE id = $2::bigint", [token, unit])
        let started = Date()
        let held = (try? eventually("the refused change held in quarantine", within: plan.recoveryTimeout) {
            try warehouse.execute("""
                SELECT count(*) FROM dw.quarantine WHERE status = 'held' AND rules = '{apply_error}' AND error LIKE '%' || $1 || '%'
                """, [constraint]).scalar == "1"
        }) != nil
        let goesOn = recovery(since: Date()) != nil
        try warehouse.execute("ALTER TABLE dw.dim_units DROP CONSTRAINT \(constraint)")
        let released = try QuarantineDecisions(connection: warehouse, config: config).release(.init(table: "units", rule: "apply_error"), by: "faults")
        let seconds = recovery(since: Date()).map { _ in Date().timeIntervalSince(started) }
        let applied = try warehouse.execute("""
            SELECT count(*) FROM dw.quarantine WHERE source_table = 'units' AND row_id = $1::bigint AND status = 'held'
            """, [unit]).scalar == "0"
        return FaultReport.Injection(fault: fault, survived: held && goesOn && released >= 1 && applied && seconds != nil,
                                     recoverySeconds: seconds,
                                     note: (held ? "held with its error" : "NOT held") + (goesOn ? ", the rest went on" : ", the rest STOPPED")
                                         + "; replay after the fix applied \(released) change\(released == 1 ? "" : "s")")
    }

    /// An operator pauses one table's apply under load and resumes it (units, devices or
    /// irradiance in turn): its changes wait held while the others go on, and apply in order
    /// on resume.
    func pausedTable(round: Int) throws -> FaultReport.Injection {
        let fault = Fault.pausedTable.rawValue
        // (not users: the recovery probe changes a user of its own, so pausing users would hold
        // the probe and look like the others stopping; the long run's first version did that)
        let table = ["units", "devices", "irradiance"][round % 3]
        let decisions = QuarantineDecisions(connection: try stack.warehouseAdmin(), config: config)
        _ = try decisions.pause(table: table, by: "faults")
        let paused = Date()
        let warehouse = try stack.warehouseAdmin()
        let holding = (try? eventually("changes of \(table) held while it is paused", within: plan.recoveryTimeout) {
            Int(try warehouse.execute("SELECT count(*) FROM dw.quarantine WHERE status = 'held' AND rules = '{paused}'").scalar ?? "0") ?? 0 > 0
        }) != nil
        let goesOn = recovery(since: Date()) != nil
        let resumed = try decisions.resume(table: table, by: "faults")
        let seconds = recovery(since: Date()).map { _ in Date().timeIntervalSince(paused) }
        return FaultReport.Injection(fault: fault + " (\(table))", survived: holding && goesOn && seconds != nil, recoverySeconds: seconds,
                                     note: (holding ? "held its changes" : "held NOTHING") + (goesOn ? ", the others went on" : ", the others STOPPED")
                                         + "; resume applied \(resumed)")
    }
}
