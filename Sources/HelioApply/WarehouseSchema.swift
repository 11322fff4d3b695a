import HelioPostgres
import Logging

/// Creates or migrates the warehouse schema (`dw`, or another name for a rebuild) on start,
/// so an empty warehouse database and a role allowed to create in it are enough.
///
/// Migrations are numbered and recorded in `<schema>.schema_version`; each runs once, in
/// order, under an advisory lock so several appliers starting together do not race. The
/// apply functions are code, not data: they are replaced on every start.
public struct WarehouseSchema: Sendable {
    /// The live warehouse schema of the data contract.
    public static let live = WarehouseSchema(unchecked: "dw")

    public let name: String

    /// A schema name Helio may create and substitute into its SQL: lowercase identifier.
    public init(_ name: String) throws {
        guard let first = name.first, first.isLetter || first == "_",
              name.allSatisfy({ ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }), name.count <= 48 else {
            throw ConfigurationError(key: "schema", problem: "'\(name)' must be a lowercase identifier (letters, digits, _)")
        }
        self.name = name
    }

    init(unchecked name: String) { self.name = name }

    /// (version, SQL written for schema `dw`): 1 is schemas/warehouse.sql, the others
    /// schemas/migrations/NNN_*.sql, embedded by scripts/embed-warehouse-sql. Append a file;
    /// never edit a released one.
    static let migrations: [(version: Int, sql: String)] = [(1, WarehouseSQL.tables)] + WarehouseSQL.migrations

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The SQL (written for `dw`) for this schema. Every object of the warehouse SQL is
    /// schema-qualified as `dw.`, which is what makes a rebuild into another schema possible.
    func sql(_ text: String) -> String {
        guard name != "dw" else { return text }
        return text.replacingOccurrences(of: "create schema if not exists dw;", with: "create schema if not exists \(name);")
            .replacingOccurrences(of: "dw.", with: "\(name).")
    }

    /// `dw.name` → `<schema>.name`.
    func qualified(_ object: String) -> String { "\(name).\(object)" }

    public func migrate(_ connection: PostgresConnection, logger: Logger) throws {
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(7263541)")
            let hasSchema = try !connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [name]).isEmpty
            if !hasSchema { try connection.execute("CREATE SCHEMA \(connection.quoteIdentifier(name))") }
            let hasVersions = try !connection.execute(
                "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'schema_version'", [name]).isEmpty
            let applied = hasVersions
                ? Set(try connection.execute("SELECT version FROM \(qualified("schema_version"))").rows.compactMap { $0[0].flatMap { Int($0) } })
                : []
            if let newest = applied.max(), newest > Self.latestVersion {
                throw WarehouseSchemaError.newerThanBinary(schema: name, version: newest, known: Self.latestVersion)
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                try connection.executeScript(sql(migration.sql))
                try connection.execute("INSERT INTO \(qualified("schema_version")) (version) VALUES ($1) ON CONFLICT DO NOTHING",
                                       [String(migration.version)])
                logger.notice("warehouse migrated", metadata: ["schema": "\(name)", "schema_version": "\(migration.version)"])
            }
            try installFunctions(connection)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// (Re)creates the apply functions, which name their schema in their bodies.
    func installFunctions(_ connection: PostgresConnection) throws {
        try connection.executeScript(sql(WarehouseSQL.functions))
    }
}

import HelioOps

/// A warehouse this binary must not touch.
public enum WarehouseSchemaError: Error, CustomStringConvertible {
    /// Migrated by a newer Helio: this binary's apply functions would misread its tables.
    case newerThanBinary(schema: String, version: Int, known: Int)

    public var description: String {
        switch self {
        case let .newerThanBinary(schema, version, known):
            "warehouse schema \(schema) was migrated by a newer Helio (schema version \(version); this binary knows up to \(known)): "
                + "its apply functions would misread that warehouse. Run that Helio version or a newer one"
        }
    }
}
