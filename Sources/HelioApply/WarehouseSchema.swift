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

    /// (version, SQL written for schema `dw`). Append; never edit a released entry.
    static let migrations: [(version: Int, sql: String)] = [
        (1, WarehouseSQL.tables),
        // Where each partition's last applied record stood in the source, so a log that was
        // lost and refilled under the same offsets is recognised (see OffsetGuard).
        (2, """
            ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_offset bigint;
            ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_position text;
            """),
        // Transaction consistency: changes held until their source transaction is whole.
        (3, """
            CREATE TABLE IF NOT EXISTS dw.held_change (
                seq bigint, source_table text COLLATE "C" NOT NULL, op char(1) NOT NULL, row_id bigint,
                lsn pg_lsn NOT NULL, commit_lsn pg_lsn NOT NULL, tx_id bigint, commit_ts timestamptz NOT NULL,
                after jsonb, before jsonb,
                CONSTRAINT held_change_event UNIQUE NULLS NOT DISTINCT (source_table, row_id, commit_lsn, lsn, op));
            CREATE INDEX IF NOT EXISTS held_change_commit ON dw.held_change (commit_lsn);
            ALTER TABLE dw.tx_log ADD COLUMN IF NOT EXISTS tc_expected int;
            CREATE TABLE IF NOT EXISTS dw.tc_horizon (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), commit_lsn pg_lsn NOT NULL);
            """),
        // Fact inserts staged typed wait typed for the watermark (dw._route_staged_facts).
        (4, """
            ALTER TABLE dw.pending_fact
                ADD COLUMN IF NOT EXISTS typed boolean NOT NULL DEFAULT false,
                ADD COLUMN IF NOT EXISTS device_id bigint, ADD COLUMN IF NOT EXISTS measured_at timestamptz,
                ADD COLUMN IF NOT EXISTS energy_kwh numeric, ADD COLUMN IF NOT EXISTS power_kw numeric,
                ADD COLUMN IF NOT EXISTS unit_id bigint, ADD COLUMN IF NOT EXISTS reference_month date,
                ADD COLUMN IF NOT EXISTS injected_kwh numeric, ADD COLUMN IF NOT EXISTS consumed_kwh numeric,
                ADD COLUMN IF NOT EXISTS compensated_kwh numeric, ADD COLUMN IF NOT EXISTS credit_balance_kwh numeric;
            """),
        // From here on an energy row first written by the typed round has no fact_state row
        // until a later change needs one (dw._fact_state_from_ledger). Recorded as a version
        // so that a Helio older than that, which would take such rows for never seen, is
        // refused by `migrate` from a later one on, instead of writing wrong corrections.
        (5, """
            COMMENT ON TABLE dw.fact_state IS 'Current values of each fact source row as the ledger implies them. An energy row changed only by its first insert may have no row here: its ledger original holds its values (dw._fact_state_from_ledger).';
            """),
        // The truncate barrier: a truncate waits until every earlier event of its table has
        // arrived (dw._count_arrivals, dw._unripe_truncate); dimension changes after it wait in
        // pending_dim. A Helio older than this would apply those truncates at once.
        (6, """
            CREATE TABLE IF NOT EXISTS dw.tx_arrival (
                commit_lsn pg_lsn NOT NULL, source_table text COLLATE "C" NOT NULL, expected int,
                arrived int NOT NULL DEFAULT 0, end_seen_at timestamptz, PRIMARY KEY (commit_lsn, source_table));
            CREATE TABLE IF NOT EXISTS dw.tx_arrival_partition (
                commit_lsn pg_lsn NOT NULL, source_table text COLLATE "C" NOT NULL, kpartition int NOT NULL,
                max_lsn pg_lsn NOT NULL, max_row bigint NOT NULL, PRIMARY KEY (commit_lsn, source_table, kpartition));
            CREATE TABLE IF NOT EXISTS dw.tx_end_horizon (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), commit_lsn pg_lsn NOT NULL);
            CREATE TABLE IF NOT EXISTS dw.pending_dim (
                LIKE dw.held_change,
                CONSTRAINT pending_dim_event UNIQUE NULLS NOT DISTINCT (source_table, row_id, commit_lsn, lsn, op));
            """),
        // Debezium's record form: changes joined to their transaction's END for its commit
        // position (dw._join_commit_positions).
        (7, """
            CREATE TABLE IF NOT EXISTS dw.tx_commit (
                tx_id bigint NOT NULL, commit_lsn pg_lsn NOT NULL, expected int NOT NULL,
                seen_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tx_id, commit_lsn));
            CREATE TABLE IF NOT EXISTS dw.tx_commit_event (
                commit_lsn pg_lsn NOT NULL, source_table text COLLATE "C" NOT NULL, row_id bigint, lsn pg_lsn NOT NULL,
                op char(1) NOT NULL,
                CONSTRAINT tx_commit_event_key UNIQUE NULLS NOT DISTINCT (commit_lsn, source_table, row_id, lsn, op));
            CREATE TABLE IF NOT EXISTS dw.unresolved_change (
                seq bigint, source_table text COLLATE "C" NOT NULL, op char(1) NOT NULL, row_id bigint,
                lsn pg_lsn NOT NULL, tx_id bigint NOT NULL, commit_ts timestamptz NOT NULL, after jsonb, before jsonb,
                kpartition int, arrived_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT unresolved_change_event UNIQUE NULLS NOT DISTINCT (source_table, row_id, tx_id, lsn, op));
            """),
        // Data quality: the flag rules a ledger entry / a reading failed (dw._quality_check).
        (8, """
            ALTER TABLE dw.fact_energy ADD COLUMN IF NOT EXISTS quality_flags text[];
            ALTER TABLE dw.irradiance_mirror ADD COLUMN IF NOT EXISTS quality_flags text[];
            """),
        // Data quality's quarantine: changes held back by a rule of severity quarantine.
        (9, """
            CREATE TABLE IF NOT EXISTS dw.quarantine (
                source_table text COLLATE "C" NOT NULL, row_id bigint NOT NULL, commit_lsn pg_lsn NOT NULL,
                lsn pg_lsn NOT NULL, op char(1) NOT NULL, commit_ts timestamptz NOT NULL, after jsonb NOT NULL,
                rules text[] NOT NULL, flags text[], error text, before jsonb, tx_id bigint, status text NOT NULL DEFAULT 'held',
                quarantined_at timestamptz NOT NULL DEFAULT now(), decided_at timestamptz, decided_by text,
                CONSTRAINT quarantine_change PRIMARY KEY (source_table, row_id, commit_lsn, lsn));
            CREATE INDEX IF NOT EXISTS quarantine_held ON dw.quarantine (source_table, row_id) WHERE status = 'held';
            CREATE TABLE IF NOT EXISTS dw.paused_table (
                source_table text COLLATE "C" PRIMARY KEY, paused_at timestamptz NOT NULL DEFAULT now(), paused_by text);
            """),
    ]

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
