-- Partition-parallel apply (apply.parallel): a fact waiting for the dimension watermark keeps
-- the Kafka partition it came from, so that only that partition's holder releases it (the
-- key's later changes come through the same partition: releasing it elsewhere, at the same
-- time, could apply them out of order). Rows from before this migration have none; a batch
-- that finds one takes the warehouse exclusively, which releases them as before.
ALTER TABLE dw.pending_fact ADD COLUMN IF NOT EXISTS kpartition int;
-- The same for dimension changes waiting for the rest of their transaction.
ALTER TABLE dw.pending_dim ADD COLUMN IF NOT EXISTS kpartition int;
CREATE INDEX IF NOT EXISTS pending_dim_unowned ON dw.pending_dim (commit_lsn) WHERE row_id IS NULL OR kpartition IS NULL;
-- dw._needs_whole_warehouse looks for waiting truncates and facts without a partition at
-- every parallel batch: an index on just those keeps the look one probe.
CREATE INDEX IF NOT EXISTS pending_fact_unowned ON dw.pending_fact (commit_lsn) WHERE row_id IS NULL OR kpartition IS NULL;
