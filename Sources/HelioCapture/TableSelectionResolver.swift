import HelioOps
import HelioPostgres
import Logging

/// Turns Debezium's table filters (`--debezium-properties`: `table.include.list` and the
/// others, or none: every table) into `capture.tables`, once, when capture starts: the tables
/// of the source's catalog outside the system schemas that the filters select. A table
/// created later is captured after the next start (Debezium picks it up as it appears).
public enum TableSelectionResolver {
    /// `config` with `tables` resolved; unchanged when it has no selection.
    public static func resolve(_ config: HelioConfiguration, logger: Logger) throws -> HelioConfiguration {
        guard let selection = config.tableSelection else { return config }
        let sourceURL = try config.require(config.sourceURL, "HELIO_SOURCE_URL")
        let connection = try PostgresConnection(ConnectionOptions(url: sourceURL, applicationName: "helio-capture"))
        let rows = try connection.execute("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'
            ORDER BY 1, 2
            """).rows
        let tables = selection.select(rows.compactMap { row in row[0].flatMap { schema in row[1].map { (schema, $0) } } })
        guard !tables.isEmpty else {
            throw ConfigurationError(key: "capture.tables", problem: "selects no table of the source: \(selection.description). "
                + "Check table.include.list and schema.include.list: regular expressions matched against the whole schema.table "
                + "(or schema name), ignoring case; in a properties file write \\\\. for a literal dot", source: "debezium properties")
        }
        logger.notice("tables selected by the Debezium properties", metadata: [
            "selection": "\(selection.description)", "tables": "\(tables.joined(separator: ","))"])
        var resolved = config
        resolved.tables = tables
        resolved.tableSelection = nil
        return resolved
    }
}
