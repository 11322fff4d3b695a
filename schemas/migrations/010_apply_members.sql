-- The appliers of each consumer group, as `helio status` and the status page show them: each
-- member's assignment (topic[partition]) and when it was last seen (dw.apply_member).
CREATE TABLE IF NOT EXISTS dw.apply_member (
    group_id text NOT NULL, member text NOT NULL, host text, pid int, partitions text[] NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(), seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, member));
