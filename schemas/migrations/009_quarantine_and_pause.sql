-- Data quality's quarantine: changes held back by a rule of severity quarantine.
CREATE TABLE IF NOT EXISTS dw.quarantine (
    source_table text COLLATE "C" NOT NULL, row_id bigint NOT NULL, commit_lsn pg_lsn NOT NULL,
    lsn pg_lsn NOT NULL, op char(1) NOT NULL, commit_ts timestamptz NOT NULL, after jsonb NOT NULL,
    rules text[] NOT NULL, flags text[], error text, before jsonb, tx_id bigint, status text NOT NULL DEFAULT 'held',
    quarantined_at timestamptz NOT NULL DEFAULT now(), decided_at timestamptz, decided_by text,
    CONSTRAINT quarantine_change PRIMARY KEY (source_table, row_id, commit_lsn, lsn));
CREATE INDEX IF NOT EXISTS quarantine_held ON dw.quarantine (source_table, row_id) WHERE status = 'held';
CREATE TABLE IF NOT EXISTS dw.paused_table (
    source_table text COLLATE "C" PRIMARY KEY, paused_at timestamptz NOT NULL DEFAULT now(), paused_by text);
