-- Where each partition's last applied record stood in the source, so a log that was
-- lost and refilled under the same offsets is recognised (see OffsetGuard).
ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_offset bigint;
ALTER TABLE dw.consumer_offsets ADD COLUMN IF NOT EXISTS check_position text;
