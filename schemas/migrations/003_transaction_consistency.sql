-- Transaction consistency: changes held until their source transaction is whole.
CREATE TABLE IF NOT EXISTS dw.held_change (
    seq bigint, source_table text COLLATE "C" NOT NULL, op char(1) NOT NULL, row_id bigint,
    lsn pg_lsn NOT NULL, commit_lsn pg_lsn NOT NULL, tx_id bigint, commit_ts timestamptz NOT NULL,
    after jsonb, before jsonb,
    CONSTRAINT held_change_event UNIQUE NULLS NOT DISTINCT (source_table, row_id, commit_lsn, lsn, op));
CREATE INDEX IF NOT EXISTS held_change_commit ON dw.held_change (commit_lsn);
ALTER TABLE dw.tx_log ADD COLUMN IF NOT EXISTS tc_expected int;
CREATE TABLE IF NOT EXISTS dw.tc_horizon (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), commit_lsn pg_lsn NOT NULL);
