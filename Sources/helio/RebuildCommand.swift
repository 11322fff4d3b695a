import ArgumentParser
import HelioApply
import HelioOps

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a fresh warehouse from the topics into another schema, then swap it in atomically.",
        discussion: """
            Example: helio rebuild --config /etc/helio/helio.yaml --schema dw_next

            `helio rebuild --schema dw_next` applies every topic from the start into dw_next (its own \
            consumer group) and returns once it has caught up. `helio rebuild --swap --schema dw_next` \
            then replaces dw by it in one transaction, keeping the old one as dw_replaced_<time>. \
            Stop the live `helio apply` before the swap and start it again after. The records applied \
            and their rate show as a progress bar on a terminal (stderr), as a log line every 10 s otherwise.
            """)

    @OptionGroup var options: GlobalOptions<RebuildKeys>
    @Option(help: "The schema to build into (a lowercase identifier, not dw).") var schema: String
    @Flag(help: "Replace dw by the rebuilt schema.") var swap = false
    @Option(help: "Consider the rebuild caught up after this many seconds without a record.") var idleSeconds: Double = 15

    func run() async throws {
        let (config, logger) = try options.start("helio.rebuild")
        let target = try WarehouseSchema(schema)
        guard target.name != WarehouseSchema.live.name else { throw ValidationError("--schema must not be dw") }
        do {
            if swap {
                let kept = try WarehouseRebuild.swap(url: try config.require(config.warehouseURL, "HELIO_WAREHOUSE_URL"), applicationName: "helio-rebuild",
                                                     rebuilt: target, liveGroup: config.groupID, logger: logger)
                print("rebuild: \(target.name) is now dw; the previous warehouse is kept as \(kept) (drop it when satisfied)")
                return
            }
            var rebuildConfig = config
            rebuildConfig.groupID = WarehouseRebuild.groupID(live: config.groupID, schema: target)
            let stop = StopSignal()
            logger.notice("rebuilding from the topics", metadata: [LogKeys.audit: "rebuild", "schema": "\(target.name)"])
            let service = ApplyService(config: rebuildConfig, logger: logger, schema: target)
            // SIGTERM/SIGINT drain the batch in hand; started again, the rebuild goes on from
            // its own stored offsets.
            let caughtUp = StopSignal()   // (as an atomic flag: the loop ended by catching up)
            let progress = ProgressReporter("rebuild", unit: "records", logger: logger)
            progress.follow { service.metrics.applied }
            defer { progress.finish() }   // on a failure too, before it is logged
            try await ServiceRunner.run([BlockingService(name: "rebuild", stop: stop) { [idleSeconds] in
                try service.run(shouldStop: { stop.isSet }, stopWhenIdleSeconds: idleSeconds)
                if !stop.isSet { caughtUp.set() }
            }], logger: logger)
            progress.update(done: service.metrics.applied)
            progress.finish()   // the bar's last state, then the report below it
            guard caughtUp.isSet else {
                print("rebuild: stopped after \(service.metrics.applied) records into \(target.name), before catching up; run the same command again to go on")
                return
            }
            print("rebuild: \(service.metrics.applied) records applied into \(target.name); swap with `helio rebuild --swap --schema \(target.name)`")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw exitStatus(for: error, logger: logger)
        }
    }
}
