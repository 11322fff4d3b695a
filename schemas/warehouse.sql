-- Helio warehouse: tables and indexes of schema dw (data contract §3).
--
-- Idempotent: every statement is `create … if not exists`, so the file can be run
-- on every start. Run it as the role that owns schema dw (no superuser, no
-- extensions). The functions that load these tables are in apply/*.sql.
--
-- Besides the contract's tables (dim_users, dim_units, dim_devices,
-- dim_day_climate, fact_energy) it holds the applier's bookkeeping:
-- applied_position / applied_truncate (deduplication), tx_log (dimension
-- watermark), pending_fact (facts waiting for it), fact_state (each fact row's
-- current values), irradiance_mirror (source of dim_day_climate),
-- consumer_offsets and schema_version. Key text columns use collation "C"
-- (cheaper index comparisons); tables updated in bulk leave room for HOT
-- updates (fillfactor).

create schema if not exists dw;

create table if not exists dw.schema_version (
    version    int primary key,
    applied_at timestamptz not null default now()
);
insert into dw.schema_version (version) values (1) on conflict do nothing;

-- Kafka positions, written by the applier in the same transaction as the data.
create table if not exists dw.consumer_offsets (
    group_id    text   not null,
    topic       text   not null,
    kpartition  int    not null,
    next_offset bigint not null,
    updated_at  timestamptz not null default now(),
    primary key (group_id, topic, kpartition)
);

-- ---------------------------------------------------------------------------
-- Bookkeeping: what has been applied (deduplication of at-least-once delivery).
-- ---------------------------------------------------------------------------

-- Last applied change per source row (source_table is the bare table name).
create table if not exists dw.applied_position (
    source_table text collate "C" not null,
    source_id    bigint not null,
    commit_lsn   pg_lsn not null,
    lsn          pg_lsn not null,
    primary key (source_table, source_id)
) with (fillfactor = 80);   -- room for HOT updates

-- Every applied truncate. A change at or below a table's latest truncate is
-- superseded by it and skipped.
create table if not exists dw.applied_truncate (
    source_table text collate "C" not null,
    commit_lsn   pg_lsn not null,
    lsn          pg_lsn not null,
    commit_ts    timestamptz,
    applied_at   timestamptz not null default now(),
    primary key (source_table, commit_lsn, lsn)
);

-- Dimension watermark: per source transaction, how many dimension events its
-- END announced (null until the END is seen) and how many have been applied.
create table if not exists dw.tx_log (
    commit_lsn   pg_lsn primary key,
    tx_id        bigint,
    commit_ts    timestamptz,
    dim_expected int,
    dim_applied  int not null default 0
);
-- The incomplete transactions, so that the watermark is found without a scan.
create index if not exists tx_log_incomplete
    on dw.tx_log (commit_lsn)
    where dim_expected is null or dim_applied < dim_expected;
-- Rows below the watermark are complete by definition and are pruned; the
-- horizon remembers how far, so that a replayed END or a late duplicate below
-- it is ignored instead of reopening a finished transaction.
create table if not exists dw.tx_log_horizon (
    singleton  boolean primary key default true check (singleton),
    commit_lsn pg_lsn not null
);

-- Transaction consistency (an apply option): changes are held here until every
-- event of their source transaction has arrived (the END's counts), then
-- applied together, so the warehouse never shows part of a source transaction.
-- tx_log.tc_expected is the END's count over the collections apply consumes;
-- tc_horizon is the commit up to which every transaction has been released.
create table if not exists dw.held_change (
    seq          bigint,
    source_table text collate "C" not null,
    op           char(1) not null,
    row_id       bigint,
    lsn          pg_lsn  not null,
    commit_lsn   pg_lsn  not null,
    tx_id        bigint,
    commit_ts    timestamptz not null,
    after        jsonb,
    before       jsonb,
    constraint held_change_event unique nulls not distinct (source_table, row_id, commit_lsn, lsn, op)
);
create index if not exists held_change_commit on dw.held_change (commit_lsn);
alter table dw.tx_log add column if not exists tc_expected int;
create table if not exists dw.tc_horizon (
    singleton  boolean primary key default true check (singleton),
    commit_lsn pg_lsn not null
);

-- The truncate barrier (migration 6; see dw._count_arrivals): a truncate has no
-- key, so it travels on a partition of its own, and the changes committed
-- before it may still be on their way through other partitions when it
-- arrives. It is applied only once every event of its table committed at or
-- before it has arrived (the END events' counts say how many there are).
-- tx_arrival: per source transaction and table, the END's count (written by
-- the END's batch); tx_arrival_partition: per Kafka partition, the distinct
-- events arrived and the greatest (lsn, row id) counted, so that an event sent
-- again after a capture restart is not counted twice (written only by the
-- partition's holder: appliers sharing the warehouse do not wait for each
-- other here, migration 12). A transaction's table is complete when its
-- partitions' counts reach the END's. Complete rows are pruned.
create table if not exists dw.tx_arrival (
    commit_lsn   pg_lsn not null,
    source_table text collate "C" not null,
    expected     int,
    end_seen_at  timestamptz,
    primary key (commit_lsn, source_table)
);
create table if not exists dw.tx_arrival_partition (
    commit_lsn   pg_lsn not null,
    source_table text collate "C" not null,
    kpartition   int not null,
    max_lsn      pg_lsn not null,
    max_row      bigint not null,
    arrived      int not null default 0,
    primary key (commit_lsn, source_table, kpartition)
);
-- The greatest commit whose END has been seen (ENDs come in commit order).
create table if not exists dw.tx_end_horizon (
    singleton  boolean primary key default true check (singleton),
    commit_lsn pg_lsn not null
);
-- Dimension changes waiting behind a truncate of their table that may not be
-- applied yet, or for the rest of their source transaction (facts wait in
-- pending_fact). A staged change as held_change keeps one.
create table if not exists dw.pending_dim (
    like dw.held_change,
    constraint pending_dim_event unique nulls not distinct (source_table, row_id, commit_lsn, lsn, op)
);

-- ---------------------------------------------------------------------------
-- Dimensions with history (type 2).
-- ---------------------------------------------------------------------------

create table if not exists dw.dim_users (
    user_key         bigint generated always as identity primary key,
    user_id          bigint not null,
    name             text,
    email            text,
    document_hash    text,
    phone_masked     text,
    status           text,
    valid_from       timestamptz not null,
    valid_to         timestamptz,
    is_current       boolean not null,
    version          int not null,
    is_deleted       boolean not null default false,
    is_inferred      boolean not null default false,
    source_lsn       pg_lsn,
    source_commit_ts timestamptz,
    loaded_at        timestamptz not null default now(),
    constraint dim_users_valid_range check (valid_to is null or valid_from < valid_to),
    constraint dim_users_current_open check (is_current = (valid_to is null))
);
create unique index if not exists dim_users_one_current on dw.dim_users (user_id) where is_current;
create unique index if not exists dim_users_nk_valid_from on dw.dim_users (user_id, valid_from) include (user_key);
create unique index if not exists dim_users_nk_version on dw.dim_users (user_id, version);

create table if not exists dw.dim_units (
    unit_key            bigint generated always as identity primary key,
    unit_id             bigint not null,
    user_id             bigint,
    name                text,
    address             text,
    city                text,
    state               char(2),
    latitude            double precision,
    longitude           double precision,
    installed_power_kwp numeric(10,3),
    tariff_class        text,
    utility             text,
    status              text,
    valid_from          timestamptz not null,
    valid_to            timestamptz,
    is_current          boolean not null,
    version             int not null,
    is_deleted          boolean not null default false,
    is_inferred         boolean not null default false,
    source_lsn          pg_lsn,
    source_commit_ts    timestamptz,
    loaded_at           timestamptz not null default now(),
    constraint dim_units_valid_range check (valid_to is null or valid_from < valid_to),
    constraint dim_units_current_open check (is_current = (valid_to is null))
);
create unique index if not exists dim_units_one_current on dw.dim_units (unit_id) where is_current;
create unique index if not exists dim_units_nk_valid_from on dw.dim_units (unit_id, valid_from) include (unit_key, user_id);
create unique index if not exists dim_units_nk_version on dw.dim_units (unit_id, version);

create table if not exists dw.dim_devices (
    device_key       bigint generated always as identity primary key,
    device_id        bigint not null,
    unit_id          bigint,
    serial_number    text,
    manufacturer     text,
    model            text,
    kind             text,
    nominal_power_kw numeric(10,3),
    firmware_version text,
    status           text,
    installed_at     date,
    valid_from       timestamptz not null,
    valid_to         timestamptz,
    is_current       boolean not null,
    version          int not null,
    is_deleted       boolean not null default false,
    is_inferred      boolean not null default false,
    source_lsn       pg_lsn,
    source_commit_ts timestamptz,
    loaded_at        timestamptz not null default now(),
    constraint dim_devices_valid_range check (valid_to is null or valid_from < valid_to),
    constraint dim_devices_current_open check (is_current = (valid_to is null))
);
create unique index if not exists dim_devices_one_current on dw.dim_devices (device_id) where is_current;
create unique index if not exists dim_devices_nk_valid_from on dw.dim_devices (device_id, valid_from) include (device_key, unit_id);
create unique index if not exists dim_devices_nk_version on dw.dim_devices (device_id, version);

-- ---------------------------------------------------------------------------
-- Climate: a mirror of the source irradiance rows, and its daily aggregate.
-- ---------------------------------------------------------------------------

-- One row per source reading, with its last applied position; a deleted
-- reading stays as a tombstone (deleted = true) so that replays of older
-- changes are recognised.
create table if not exists dw.irradiance_mirror (
    id               bigint primary key,
    unit_id          bigint,
    device_id        bigint,
    measured_at      timestamptz,
    local_day        date,           -- local day of measured_at in the configured time zone
    irradiance_wm2   numeric(8,2),
    module_temp_c    numeric(5,2),
    ambient_temp_c   numeric(5,2),
    deleted          boolean not null default false,
    commit_lsn       pg_lsn not null,
    source_lsn       pg_lsn not null,
    source_commit_ts timestamptz,
    loaded_at        timestamptz not null default now()
) with (fillfactor = 80);
create index if not exists irradiance_mirror_unit_day on dw.irradiance_mirror (unit_id, local_day) where not deleted;

create table if not exists dw.dim_day_climate (
    day_climate_key     bigint generated always as identity primary key,
    unit_id             bigint not null,
    day                 date   not null,
    sample_count        int    not null default 0,
    sum_irradiance_wm2  numeric,
    avg_irradiance_wm2  numeric,
    peak_irradiance_wm2 numeric,
    irradiation_kwh_m2  numeric,
    min_ambient_temp_c  numeric,
    max_ambient_temp_c  numeric,
    avg_module_temp_c   numeric,
    source_lsn          pg_lsn,
    source_commit_ts    timestamptz,
    loaded_at           timestamptz not null default now(),
    constraint dim_day_climate_unit_day unique (unit_id, day)
);

-- ---------------------------------------------------------------------------
-- Facts.
-- ---------------------------------------------------------------------------

-- Fact changes waiting for the dimension watermark to pass their commit.
create table if not exists dw.pending_fact (
    seq          bigint,
    source_table text collate "C" not null,
    op           char(1) not null,
    row_id       bigint,
    lsn          pg_lsn  not null,
    commit_lsn   pg_lsn  not null,
    tx_id        bigint,
    commit_ts    timestamptz not null,
    after        jsonb,
    before       jsonb,
    constraint pending_fact_change unique nulls not distinct (source_table, row_id, commit_lsn, lsn, op)
);
create index if not exists pending_fact_commit on dw.pending_fact (commit_lsn, lsn);
-- A change staged typed (pg_temp.stage_facts) waits typed: after is null and
-- the values are in these columns (migration 4).
alter table dw.pending_fact
    add column if not exists typed              boolean not null default false,
    add column if not exists device_id          bigint,
    add column if not exists measured_at        timestamptz,
    add column if not exists energy_kwh         numeric,
    add column if not exists power_kw           numeric,
    add column if not exists unit_id            bigint,
    add column if not exists reference_month    date,
    add column if not exists injected_kwh       numeric,
    add column if not exists consumed_kwh       numeric,
    add column if not exists compensated_kwh    numeric,
    add column if not exists credit_balance_kwh numeric;
-- The Kafka partition a waiting fact came from: only that partition's holder releases it
-- when appliers share the warehouse (apply.parallel; migration 11).
alter table dw.pending_fact add column if not exists kpartition int;
create index if not exists pending_fact_unowned on dw.pending_fact (commit_lsn) where row_id is null or kpartition is null;
alter table dw.pending_dim add column if not exists kpartition int;
create index if not exists pending_dim_unowned on dw.pending_dim (commit_lsn) where row_id is null or kpartition is null;

-- Each fact source row's current values as the ledger implies them.
create table if not exists dw.fact_state (
    source_table       text collate "C" not null,
    source_id          bigint not null,
    live               boolean not null,
    device_id          bigint,          -- energy
    unit_id            bigint,          -- energy_compensate
    measured_at        timestamptz,     -- energy
    reference_month    date,            -- energy_compensate
    energy_kwh         numeric,
    power_kw           numeric,
    injected_kwh       numeric,
    consumed_kwh       numeric,
    compensated_kwh    numeric,
    credit_balance_kwh numeric,
    commit_lsn         pg_lsn not null,
    lsn                pg_lsn not null,
    primary key (source_table, source_id)
) with (fillfactor = 70);   -- room for HOT updates: corrections rewrite rows in place

-- The append-only ledger.
create table if not exists dw.fact_energy (
    energy_fact_id     bigint generated always as identity (cache 1000) primary key,
    source_table       text collate "C" not null,   -- energy | energy_compensate
    source_id          bigint not null,
    source_lsn         pg_lsn not null,
    entry_kind         text collate "C" not null check (entry_kind in ('original', 'correction', 'reversal')),
    device_key         bigint,
    unit_key           bigint,
    user_key           bigint,
    day_climate_key    bigint,
    date_key           int,
    measured_at        timestamptz,
    generated_kwh      numeric,
    injected_kwh       numeric,
    consumed_kwh       numeric,
    compensated_kwh    numeric,
    power_kw           numeric,
    credit_balance_kwh numeric,
    source_commit_lsn  pg_lsn,
    source_commit_ts   timestamptz,
    loaded_at          timestamptz not null default now(),
    constraint fact_energy_change unique (source_table, source_id, source_lsn, entry_kind)
);

-- Debezium's record form (migration 7; see dw._join_commit_positions): its change
-- events name their transaction but not its commit position, which only the END
-- carries. tx_commit: the ENDs seen, with how many events of the collections apply
-- consumes each announced, kept until that many distinct events (tx_commit_event)
-- have joined it; unresolved_change: changes whose END has not arrived yet.
create table if not exists dw.tx_commit (
    tx_id      bigint not null,
    commit_lsn pg_lsn not null,
    expected   int not null,
    seen_at    timestamptz not null default now(),
    primary key (tx_id, commit_lsn)
);
create table if not exists dw.tx_commit_event (
    commit_lsn   pg_lsn not null,
    source_table text collate "C" not null,
    row_id       bigint,
    lsn          pg_lsn not null,
    op           char(1) not null,
    constraint tx_commit_event_key unique nulls not distinct (commit_lsn, source_table, row_id, lsn, op)
);
create table if not exists dw.unresolved_change (
    seq          bigint,
    source_table text collate "C" not null,
    op           char(1) not null,
    row_id       bigint,
    lsn          pg_lsn not null,
    tx_id        bigint not null,
    commit_ts    timestamptz not null,
    after        jsonb,
    before       jsonb,
    kpartition   int,
    arrived_at   timestamptz not null default now(),
    constraint unresolved_change_event unique nulls not distinct (source_table, row_id, tx_id, lsn, op)
);

-- Data quality (migration 8; see dw._quality_check): the names of the rules of
-- severity flag that a ledger entry / a reading's current values failed.
alter table dw.fact_energy add column if not exists quality_flags text[];
alter table dw.irradiance_mirror add column if not exists quality_flags text[];

-- Data quality's quarantine (migration 9; see dw._quality_check): changes that
-- failed a rule of severity quarantine and were not applied, with their source
-- position, the values apply would have written and the rules they failed. In
-- source order per row; only a row's latest entry is held: a later change of the
-- row that is applied, or quarantined in turn, supersedes it. An operator
-- releases (applies) or drops held entries (dw.quality_release, dw.quality_drop).
-- A change on which apply fails (a value that does not cast, a constraint the
-- source does not have) is kept here too (dw.apply_batch), and the later changes
-- of its row wait behind it, held, until an operator releases or drops them.
create table if not exists dw.quarantine (
    source_table   text collate "C" not null,
    row_id         bigint not null,
    commit_lsn     pg_lsn not null,
    lsn            pg_lsn not null,
    op             char(1) not null,
    commit_ts      timestamptz not null,
    after          jsonb not null,
    rules          text[] not null,                 -- the quarantine rules failed (apply_error, behind_error: see error)
    flags          text[],                          -- flag rules failed too
    error          text,                            -- apply failed on it (dw.apply_batch), or it waits behind one that did
    before         jsonb,                           -- (an apply error's change as staged: released as it came)
    tx_id          bigint,
    status         text not null default 'held',    -- held | superseded | released | dropped
    quarantined_at timestamptz not null default now(),
    decided_at     timestamptz,
    decided_by     text,
    constraint quarantine_change primary key (source_table, row_id, commit_lsn, lsn)
);
create index if not exists quarantine_held on dw.quarantine (source_table, row_id) where status = 'held';

-- Tables whose apply an operator paused (helio apply pause; migration 9): their
-- changes are held in dw.quarantine (rules {paused}) until helio apply resume
-- applies them in source order.
create table if not exists dw.paused_table (
    source_table text collate "C" primary key,
    paused_at    timestamptz not null default now(),
    paused_by    text
);

-- The appliers of each consumer group (migration 10; OffsetStore.register): each
-- member's assignment and when it was last seen, for helio status.
create table if not exists dw.apply_member (
    group_id   text not null,
    member     text not null,                  -- host:pid:random, one per apply process
    host       text,
    pid        int,
    partitions text[] not null default '{}',   -- its assignment, topic[partition]
    started_at timestamptz not null default now(),
    seen_at    timestamptz not null default now(),
    primary key (group_id, member)
);
