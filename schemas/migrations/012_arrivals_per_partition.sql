-- The truncate barrier counts arrived events per Kafka partition, not per transaction: with
-- apply.parallel, two appliers whose batches carry events of the same source transaction
-- (its changes spread over all partitions) both added to one dw.tx_arrival row, and the
-- second waited for the first's commit from its counting statement on. Each partition's row
-- has one writer, its holder; a transaction is complete when its partitions' counts add up
-- to what its END announced. Counts kept per transaction before this migration move to a
-- partition row of their own (-2: no Kafka partition has it).
ALTER TABLE dw.tx_arrival_partition ADD COLUMN IF NOT EXISTS arrived int NOT NULL DEFAULT 0;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = 'dw' AND table_name = 'tx_arrival' AND column_name = 'arrived') THEN
        INSERT INTO dw.tx_arrival_partition (commit_lsn, source_table, kpartition, max_lsn, max_row, arrived)
        SELECT commit_lsn, source_table, -2, '0/0', 0, arrived FROM dw.tx_arrival WHERE arrived > 0
        ON CONFLICT (commit_lsn, source_table, kpartition) DO UPDATE SET arrived = excluded.arrived;
        -- (rows that only counted arrivals: their END was not seen yet, which the partition rows remember)
        DELETE FROM dw.tx_arrival WHERE expected IS NULL;
        ALTER TABLE dw.tx_arrival DROP COLUMN arrived;
    END IF;
END
$$;
