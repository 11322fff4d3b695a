import ArgumentParser
import HelioCapture
import HelioOps

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-snapshot a table while capture keeps streaming (incremental, chunked, never reordering a row's changes).",
        discussion: """
            Example: helio snapshot --config /etc/helio/helio.yaml --table public.devices --where "id > 1000" --wait

            Sends the request through the source's WAL (a logical message), so the running capture \
            picks it up in order; rows are published as op r. With --wait, follows it to the end \
            through capture's operator endpoint (metrics.address): a progress bar on a terminal, \
            a log line every 10 s otherwise. See docs/operations.md.
            """)

    @OptionGroup var options: GlobalOptions<SnapshotKeys>
    @Option(help: "The table, e.g. public.devices.") var table: String
    @Option(name: .customLong("where"), help: "Only rows matching this SQL condition.") var whereClause: String?
    @Option(help: "Rows per chunk.") var chunkSize = 1024
    @Flag(help: "Wait until capture has read the table, following it through capture's operator endpoint (metrics.address).")
    var wait = false
    @Option(help: "With --wait: give up after this many seconds (exit 69; capture goes on). 0 waits for ever.")
    var waitSeconds: Double = 0

    func run() throws {
        let (config, logger) = try options.start("helio.snapshot")
        let source = SnapshotRequester(sourceURL: try config.require(config.sourceURL, "HELIO_SOURCE_URL"), applicationName: "helio-snapshot")
        defer { source.close() }
        // With --wait, the table's size (the planner's estimate, free to read) sizes the bar;
        // a condition makes it unknown. A table that does not exist fails here, not in capture.
        var estimated: Int?
        if wait {
            do {
                let rows = try source.estimatedRows(table: table)
                estimated = whereClause == nil ? rows : nil
            } catch {
                printError("helio: snapshot: \(error) (give the table as schema.table, e.g. public.devices)")
                throw ExitCode(HelioExit.configuration)
            }
        }
        let id = try source.request(table: table, whereClause: whereClause, chunkSize: chunkSize)
        logger.notice("incremental snapshot requested", metadata: [LogKeys.audit: "snapshot", LogKeys.table: "\(table)", "request": "\(id)"])
        guard wait else {
            print("snapshot of \(table) requested (\(id)); the running capture publishes it")
            return
        }
        guard let url = SnapshotFollower.url(address: config.metricsAddress(for: .capture)) else {
            printError("helio: snapshot --wait: metrics.address '\(config.metricsAddress(for: .capture))' is not host:port; "
                + "give capture's operator address with --metrics-addr (the request was sent)")
            throw ExitCode(HelioExit.configuration)
        }
        let progress = ProgressReporter("snapshot", unit: "rows", total: estimated, logger: logger)
        do {
            let rows = try SnapshotFollower(url: url, request: id, progress: progress).follow(timeoutSeconds: waitSeconds)
            print("snapshot of \(table) read (\(id)): \(rows) rows published by capture")
        } catch let failure as SnapshotFollower.Failure {
            progress.finish()
            printError("helio: snapshot: \(failure)")
            throw ExitCode(HelioExit.unavailable)
        }
    }
}
