import Foundation
import HelioOps

extension SplitMix: RandomNumberGenerator {}

extension FaultRunner {
    func inject(_ fault: Fault, round: Int) throws -> FaultReport.Injection {
        switch fault {
        case .killCapture: return try kill([.capture], fault)
        case .killApply: return try kill([.apply], fault)
        case .killBoth: return try kill([.capture, .apply], fault)
        case .brokerPause: return brokerPause()
        case .brokerRestart: return try brokerRestart(round: round)
        case .sourceRestartFast: return try sourceRestart(mode: "fast", fault)
        case .sourceRestartImmediate: return try sourceRestart(mode: "immediate", fault)
        case .warehouseRestart: return try warehouseRestart(mode: round % 2 == 1 ? "immediate" : "fast")
        case .poison: return try poison(round: round)
        case .schemaChange: return try schemaChange(round: round)
        case .largeTransaction: return try largeTransaction()
        case .truncate: return try truncate(round: round)
        case .wrongCredentials: return try wrongCredentials(round % 2 == 1 ? .capture : .apply)
        case .missingPublication: return try missingPublication()
        case .slotActive: return try slotActive()
        case .spoolFull: return try spoolFull()
        case .sourceFailover: return try sourceFailover()
        case .standbyTakeover: return try standbyTakeover()
        case .applyPoison: return try applyPoison(round: round)
        case .pausedTable: return try pausedTable(round: round)
        case .networkCut: return try networkCut(round: round)
        }
    }

    /// SIGKILL at whatever moment this is, then a restart, as a supervisor would.
    func kill(_ roles: [SupervisedPipeline.Role], _ fault: Fault) throws -> FaultReport.Injection {
        for role in roles { pipeline.kill9(role) }
        let lifted = Date()
        for role in roles { try pipeline.start(role) }
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: fault.rawValue, survived: seconds != nil, recoverySeconds: seconds,
                                     note: seconds == nil ? "no change applied after the restart" : "restarted at once")
    }

    /// Capture or apply started with a wrong password: exits 69, says "authentication", never
    /// shows the password; started right again, the pipeline goes on.
    func wrongCredentials(_ role: SupervisedPipeline.Role) throws -> FaultReport.Injection {
        let fault = Fault.wrongCredentials.rawValue + " (\(role.rawValue))"
        pipeline.stop(role)
        var wrong = config
        let secret = "wrong-secret-\(UInt32.random(in: 0..<UInt32.max))"
        if role == .capture {
            wrong.sourceURL = stack.source.url(user: "helio_capture", password: secret, database: FaultStack.sourceDatabase)
        } else {
            wrong.warehouseURL = stack.warehouse.url(user: "helio_writer", password: secret, database: FaultStack.warehouseDatabase)
        }
        let child = try pipeline.start(role, override: wrong, supervised: false)
        let status = child.waitForExit(within: 60)
        let log = child.log
        let clear = status == HelioExit.unavailable && log.contains("authentication") && !log.contains(secret)
        let lifted = Date()
        try pipeline.start(role)
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: fault, survived: clear && seconds != nil, recoverySeconds: seconds,
                                     note: "exit \(status.map(String.init) ?? "none (still running)"); "
                                         + (clear ? "said \"authentication\", password not shown" : "unclear: \(child.logTail(2))"))
    }

    /// Capture told to read a publication that does not exist, which its role may not create.
    func missingPublication() throws -> FaultReport.Injection {
        let fault = Fault.missingPublication.rawValue
        pipeline.stop(.capture)
        let before = try slotPosition()
        var wrong = config
        wrong.publication = "helio_missing"
        let child = try pipeline.start(.capture, override: wrong, supervised: false)
        let status = child.waitForExit(within: 60)
        let clear = status == HelioExit.needsOperator && child.log.contains("CREATE PUBLICATION")
        let unmoved = try slotPosition() == before
        let lifted = Date()
        try pipeline.start(.capture)
        let seconds = recovery(since: lifted)
        return FaultReport.Injection(fault: fault, survived: clear && unmoved && seconds != nil, recoverySeconds: seconds,
                                     note: "exit \(status.map(String.init) ?? "none"); "
                                         + (clear ? "said how to CREATE PUBLICATION" : "unclear: \(child.logTail(2))")
                                         + (unmoved ? "; slot not moved" : "; the slot MOVED"))
    }

    /// A second capture on the slot the running one holds: refused with the holder's pid;
    /// the running capture goes on undisturbed.
    func slotActive() throws -> FaultReport.Injection {
        let fault = Fault.slotActive.rawValue
        let second = try pipeline.startExtra(.capture, config: config)
        let status = second.waitForExit(within: 60)
        if status == nil { second.kill9() }
        let clear = status == HelioExit.needsOperator && second.log.contains("in use by another process")
        let undisturbed = pipeline.child(.capture)?.isRunning == true
        let seconds = recovery(since: Date())
        return FaultReport.Injection(fault: fault, survived: clear && undisturbed && seconds != nil, recoverySeconds: seconds,
                                     note: "second capture exit \(status.map(String.init) ?? "none"); "
                                         + (clear ? "said the slot is in use by another process" : "unclear: \(second.logTail(2))")
                                         + (undisturbed ? "; the running capture went on" : "; the running capture STOPPED"))
    }

    /// The slot's confirmed position now.
    func slotPosition() throws -> String? {
        try stack.sourceAdmin().execute("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1", [config.slot]).scalar
    }
}
