import Foundation
import HelioJobs
import HelioOps
import HelioPostgres
import HelioTestSupport
import Logging
import Synchronization
import Testing

/// Log lines kept in memory, to check what the alerts wrote (and that no secret is in them).
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test.alerts") { [self] label in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            log.lines.withLock { $0.append("\(event.level) \(event.message) \(fields.joined(separator: " "))") }
        }
    }
}

extension TestEnvironment {
    /// A slot of this test's name on its source, holding back WAL written after it.
    func createSlotWithRetainedWAL() throws {
        let source = try source()
        try source.execute("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name])
        // Transactional, so its commit writes and flushes the WAL before the watchdog measures
        // pg_current_wal_lsn(); a non-transactional message may still sit in WAL buffers.
        try source.execute("SELECT pg_logical_emit_message(true, 'helio.test', repeat('x', 100000))")
    }
}

/// Runs a scheduler on its own thread until `finish`.
final class RunningJobs {
    let stop = StopSignal()
    let threads: ServiceThreads

    init(_ jobs: [ScheduledJob], logger: Logger) {
        threads = ServiceThreads(stop: stop)
        let scheduler = Scheduler(jobs: jobs, logger: logger)
        threads.start("scheduler") { [stop] in scheduler.run(shouldStop: { stop.isSet }) }
    }

    func finish() throws {
        stop.set()
        try threads.wait()
    }
}

@Suite("Scheduled checks on the local stack", .serialized)
struct SchedulerTests {
    @Test("the slot watchdog warns above a tiny threshold, alerts above the second, and a webhook gets it after a first 500")
    func slotWatchdogAndWebhook() throws {
        let env = try TestEnvironment("watchdog")
        defer { env.drop() }
        try env.createSlotWithRetainedWAL()
        let receiver = try WebhookReceiver(statuses: [500])
        defer { receiver.stop() }
        let token = "s3cr3t-token-\(UInt32.random(in: 0..<UInt32.max))"
        let log = CapturedLog()
        let alerts = AlertSink(webhookURL: receiver.url(path: "/hooks/\(token)?key=\(token)"), attempts: 3, timeoutSeconds: 5,
                               backoffBase: 0.2, source: "helio.test", logger: log.logger)
        let warning = SlotLagWatchdog(sourceURL: env.sourceURL, slot: env.name, warningBytes: 1, alertBytes: 1 << 40, alerts: alerts)
        #expect(try { if case .retains(let bytes, .warning) = try warning.look(try env.source()) { bytes >= 100_000 } else { false } }())

        let jobs = RunningJobs([ScheduledJob(name: "slot_watchdog", schedule: .every(seconds: 1), body: warning.run)], logger: env.logger)
        try eventually("the webhook to accept the alert", within: 30) { receiver.requests.count >= 2 }
        try jobs.finish()

        let raised = try #require(alerts.history.first)
        #expect(raised.check == "slot_lag" && raised.severity == .warning && raised.keys == [env.name])
        #expect(raised.summary.hasPrefix("replication slot \(env.name) retains "))
        let requests = receiver.requests
        #expect(requests.count == 2, "one 500, one retry accepted; later runs of the same alert are not re-sent within the hour")
        for request in requests {
            #expect(request.method == "POST" && request.path == "/hooks/\(token)?key=\(token)")
            #expect(request.headers["content-type"] == "application/json")
            let payload = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            #expect(payload["status"] as? String == "firing")
            #expect(payload["check"] as? String == "slot_lag")
            #expect(payload["severity"] as? String == "warning")
            #expect(payload["keys"] as? [String] == [env.name])
            #expect((payload["text"] as? String)?.hasPrefix("[helio warning] slot_lag: replication slot") == true)
            #expect(payload["source"] as? String == "helio.test")
        }
        let lines = log.all
        #expect(lines.contains { $0.hasPrefix("warning alert: replication slot \(env.name) retains") && $0.contains("check=slot_lag") })
        #expect(lines.contains { $0.contains("alert sent to the webhook") && $0.contains("attempts=2") })
        #expect(!lines.contains { $0.contains(token) }, "the webhook's token never reaches the log")

        // Above the second threshold: critical, and a changed alert goes to the webhook again.
        let critical = SlotLagWatchdog(sourceURL: env.sourceURL, slot: env.name, warningBytes: 1, alertBytes: 2, alerts: alerts)
        try critical.run(JobContext(job: "slot_watchdog", scheduledAt: Date(), logger: env.logger, shouldStop: { false }))
        #expect(alerts.history.last?.severity == .critical)
        #expect(receiver.requests.count == 3)
        #expect(lines.count < log.all.count && log.all.last { $0.hasPrefix("error alert:") } != nil)

        // A slot that retains less than the threshold resolves the alert.
        let relaxed = SlotLagWatchdog(sourceURL: env.sourceURL, slot: env.name, warningBytes: 1 << 40, alertBytes: 1 << 41, alerts: alerts)
        try relaxed.run(JobContext(job: "slot_watchdog", scheduledAt: Date(), logger: env.logger, shouldStop: { false }))
        let resolved = try JSONSerialization.jsonObject(with: try #require(receiver.requests.last).body) as? [String: Any]
        #expect(resolved?["status"] as? String == "resolved")
        #expect(receiver.requests.count == 4)
    }

    @Test("a missing slot is a warning; a webhook that refuses with 4xx is not retried")
    func missingSlotAndFinalStatus() throws {
        let env = try TestEnvironment("noslot")
        defer { env.drop() }
        let receiver = try WebhookReceiver(statuses: [403])
        defer { receiver.stop() }
        let log = CapturedLog()
        let alerts = AlertSink(webhookURL: receiver.url(path: "/hook"), attempts: 4, timeoutSeconds: 5, backoffBase: 0.1,
                               source: "helio.test", logger: log.logger)
        let watchdog = SlotLagWatchdog(sourceURL: env.sourceURL, slot: env.name, warningBytes: 1, alertBytes: 2, alerts: alerts)
        #expect(try watchdog.look(try env.source()) == .missing)
        try watchdog.run(JobContext(job: "slot_watchdog", scheduledAt: Date(), logger: env.logger, shouldStop: { false }))
        #expect(alerts.history.map(\.severity) == [.warning])
        #expect(receiver.requests.count == 1, "403 is final")
        #expect(log.all.contains { $0.contains("alert webhook failed") && $0.contains("HTTP 403") && $0.contains("http://127.0.0.1:\(receiver.port)/… (redacted)") })
    }

    @Test("reconciliation alerts with the keys of a deliberately broken warehouse row")
    func reconciliationFindsBrokenRow() throws {
        let env = try TestEnvironment("reconcile")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 3)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env)
        try workload.run(try env.source(), transactions: 20)
        let differences = try env.waitForWarehouse()
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        try pipeline.finish()

        var config = env.userConfiguration()
        config.schedule.reconciliationConfirmSeconds = 0.5
        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: env.logger)
        let check = ReconciliationCheck(config: config, alerts: alerts)
        let context = JobContext(job: "reconciliation", scheduledAt: Date(), logger: env.logger, shouldStop: { false })
        try check.run(context)
        #expect(alerts.history.isEmpty, "a warehouse equal to the source raises nothing")

        let warehouse = try env.warehouse()
        let user = try #require(try warehouse.execute("SELECT min(user_id)::text FROM dw.dim_users WHERE is_current").scalar)
        try warehouse.execute("UPDATE dw.dim_users SET name = 'Broken on purpose' WHERE user_id = $1 AND is_current", [user])

        let jobs = RunningJobs([ScheduledJob(name: "reconciliation", schedule: .every(seconds: 1), body: check.run)], logger: env.logger)
        try eventually("reconciliation to alert", within: 30) { !alerts.history.isEmpty }
        try jobs.finish()
        let alert = try #require(alerts.history.first)
        #expect(alert.check == "reconciliation" && alert.severity == .critical)
        #expect(alert.summary == "the warehouse differs from the source: 1 difference")
        #expect(alert.keys == ["dim_users members: \(user)"])
        #expect(alert.details.first?.contains("name: source User") == true && alert.details.first?.contains("warehouse Broken on purpose") == true)
    }

    @Test("the stalled-pipeline check alerts on a quiet capture with WAL waiting, not on a quiet one without work")
    func stalledPipeline() throws {
        let env = try TestEnvironment("stall")
        defer { env.drop() }
        try env.createSlotWithRetainedWAL()
        let health = HealthState()
        health.update("capture") { $0.connected = true; $0.lastProgress = Date().addingTimeInterval(-120) }
        health.update("apply") { $0.connected = true; $0.lastProgress = Date() }
        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: env.logger)
        let source = env.sourceURL, slot = env.name
        let walWaiting: StalledPipelineCheck.WorkProbe = {
            let connection = try PostgresConnection(ConnectionOptions(url: source))
            let bytes = try connection.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text FROM pg_replication_slots WHERE slot_name = $1",
                [slot]).scalar.flatMap { Int64($0) } ?? 0
            return bytes > 0 ? "\(bytes) bytes of WAL" : nil
        }
        let check = StalledPipelineCheck(health: health, services: [("capture", walWaiting), ("apply", { "records waiting" })],
                                         stallSeconds: 60, alerts: alerts, startedAt: Date().addingTimeInterval(-300))
        try check.run(JobContext(job: "stalled_pipeline", scheduledAt: Date(), logger: env.logger, shouldStop: { false }))
        let alert = try #require(alerts.history.first)
        #expect(alert.keys == ["capture"], "apply made progress just now")
        #expect(alert.details.first?.hasPrefix("capture: no progress for 1") == true)
        #expect(alert.details.first?.contains("bytes of WAL") == true)

        let idle = StalledPipelineCheck(health: health, services: [("capture", { nil })], stallSeconds: 60, alerts: alerts,
                                        startedAt: Date().addingTimeInterval(-300))
        #expect(idle.findStalled().isEmpty, "quiet without work is idle, not stalled")
        let starting = StalledPipelineCheck(health: health, services: [("capture", walWaiting)], stallSeconds: 60, alerts: alerts)
        #expect(starting.findStalled().isEmpty, "within the stall limit of the check's start, a service is still starting")
    }

    @Test("DLQ growth alerts once per growth")
    func deadLetterGrowth() throws {
        let count = Mutex(0)
        let alerts = AlertSink(webhookURL: nil, source: "helio.test", logger: Logger(label: "test"))
        let check = DeadLetterGrowthCheck(topic: "p.dlq", alerts: alerts) { count.withLock { $0 } }
        let context = JobContext(job: "dlq_growth", scheduledAt: Date(), logger: Logger(label: "test"), shouldStop: { false })
        try check.run(context)
        #expect(alerts.history.isEmpty)
        count.withLock { $0 = 2 }
        try check.run(context)
        try check.run(context)
        count.withLock { $0 = 3 }
        try check.run(context)
        #expect(alerts.history.map(\.summary) == ["2 records were dead-lettered since the last check (2 since apply started)",
                                                  "1 record was dead-lettered since the last check (3 since apply started)"])
        #expect(alerts.history.allSatisfy { $0.severity == .warning && $0.keys == ["p.dlq"] })
    }
}
