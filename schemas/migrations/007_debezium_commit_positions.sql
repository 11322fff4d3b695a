-- Debezium's record form: changes joined to their transaction's END for its commit
-- position (dw._join_commit_positions).
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
