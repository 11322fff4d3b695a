-- The truncate barrier: a truncate waits until every earlier event of its table has
-- arrived (dw._count_arrivals, dw._unripe_truncate); dimension changes after it wait in
-- pending_dim. A Helio older than this would apply those truncates at once.
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
