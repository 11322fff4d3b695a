import ArgumentParser
import HelioCapture
import HelioOps
import HelioPostgres

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-snapshot a table while capture keeps streaming (incremental, chunked, never reordering a row's changes).",
        discussion: """
            Example: helio snapshot --config /etc/helio/helio.yaml --table public.devices --where "id > 1000"

            Sends the request through the source's WAL (a logical message), so the running capture \
            picks it up in order; rows are published as op r. See docs/operations.md.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The table, e.g. public.devices.") var table: String
    @Option(name: .customLong("where"), help: "Only rows matching this SQL condition.") var whereClause: String?
    @Option(help: "Rows per chunk.") var chunkSize = 1024

    func run() throws {
        let (config, logger) = try options.start("helio.snapshot")
        let pool = CommandPools.quick(try config.require(config.sourceURL, "HELIO_SOURCE_URL"), applicationName: "helio-snapshot")
        defer { pool.close() }
        let id = try pool.withConnection { connection in
            try IncrementalSnapshot.request(connection: connection, table: table, whereClause: whereClause, chunkSize: chunkSize)
        }
        logger.notice("incremental snapshot requested", metadata: [LogKeys.audit: "snapshot", LogKeys.table: "\(table)", "request": "\(id)"])
        print("snapshot of \(table) requested (\(id)); the running capture publishes it")
    }
}
