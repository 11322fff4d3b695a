-- Session staging tables, emptied at every commit. Idempotent per session.
create or replace function dw.create_staging() returns void
language plpgsql as $$
begin
    if to_regclass('pg_temp.stage_changes') is null then
        create temp table stage_changes (
            seq          bigint,
            source_table text    not null,  -- users|units|devices|energy|energy_compensate|irradiance
            op           char(1) not null,  -- c u d r t
            row_id       bigint,            -- the row's id; null for t
            lsn          pg_lsn  not null,
            commit_lsn   pg_lsn,            -- null: Debezium's form, joined to its END (dw._join_commit_positions)
            tx_id        bigint,
            commit_ts    timestamptz not null,
            after        jsonb,
            before       jsonb,
            kpartition   int                -- the Kafka partition it came from (dw._count_arrivals)
        ) on commit delete rows;
    end if;
    -- Inserts and snapshot reads of fact rows, typed: most changes are these,
    -- and staging them typed spares the jsonb parse and every extraction
    -- (see dw._route_staged_facts for which of them stay typed).
    if to_regclass('pg_temp.stage_facts') is null then
        create temp table stage_facts (
            seq                bigint,
            source_table       text    not null,  -- energy|energy_compensate
            op                 char(1) not null,  -- c r
            row_id             bigint  not null,
            lsn                pg_lsn  not null,
            commit_lsn         pg_lsn  not null,
            tx_id              bigint,
            commit_ts          timestamptz not null,
            kpartition         int,
            device_id          bigint,            -- energy
            measured_at        timestamptz,
            energy_kwh         numeric,
            power_kw           numeric,
            unit_id            bigint,            -- energy_compensate
            reference_month    date,
            injected_kwh       numeric,
            consumed_kwh       numeric,
            compensated_kwh    numeric,
            credit_balance_kwh numeric
        ) on commit delete rows;
    end if;
    -- Working tables of dw._fact_key_and_write: made once per session and reused
    -- (a table created and dropped per batch costs a millisecond or so of catalog
    -- work each, which small batches, i.e. low latency, pay most).
    if to_regclass('pg_temp._dv') is null then
        create temp table _dv (device_id bigint, device_key bigint, unit_id bigint,
                               vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _uids (unit_id bigint) on commit delete rows;
        create temp table _uv (unit_id bigint, unit_key bigint, user_id bigint,
                               vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _usv (user_id bigint, user_key bigint, vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _dc (unit_id bigint, day date, lsn pg_lsn, commit_ts timestamptz) on commit delete rows;
        create temp table _dck (unit_id bigint, day date, day_climate_key bigint) on commit delete rows;
    end if;
    -- the ledger entries being written (dw._fact_round, dw._fact_typed_round); st_* are
    -- what fact_state stores for a row never held
    if to_regclass('pg_temp._fe') is null then
        create temp table _fe (row_id bigint, lsn pg_lsn, commit_lsn pg_lsn, commit_ts timestamptz, ord int,
                               entry_kind text, device_id bigint, unit_id bigint, measured_at timestamptz, day date,
                               generated_kwh numeric, injected_kwh numeric, consumed_kwh numeric,
                               compensated_kwh numeric, power_kw numeric, credit_balance_kwh numeric,
                               st_measured_at timestamptz, st_reference_month date,
                               -- data quality (dw._quality_check): a correction's new full values
                               -- (its measures above are deltas) and the failed flag rules
                               fv_generated_kwh numeric, fv_injected_kwh numeric, fv_consumed_kwh numeric,
                               fv_compensated_kwh numeric, quality_flags text[]) on commit delete rows;
        create temp table _end_counts (commit_lsn pg_lsn, collection text, n int) on commit delete rows;
    end if;
    -- dw._count_arrivals: this batch's arrivals per transaction, table and partition
    if to_regclass('pg_temp._arr') is null then
        create temp table _arr (commit_lsn pg_lsn, source_table text, kpartition int, n bigint,
                                max_lsn pg_lsn, max_row bigint) on commit delete rows;
    end if;
    -- the dimension path's working tables (dw.apply_dimension, dw._dim_segment)
    if to_regclass('pg_temp._dim_ev') is null then
        create temp table _dim_ev (row_id bigint, op char(1), commit_lsn pg_lsn, lsn pg_lsn, commit_ts timestamptz,
                                   after jsonb) on commit delete rows;
        create temp table _dim_trunc (commit_lsn pg_lsn, lsn pg_lsn, commit_ts timestamptz) on commit delete rows;
        create temp table _dim_tx (row_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, last_lsn pg_lsn,
                                   last_op char(1), merged jsonb, rnd int) on commit delete rows;
        create temp table _dim_pos (row_id bigint, commit_lsn pg_lsn, last_lsn pg_lsn) on commit delete rows;
    end if;
    -- data quality (dw._quality_check): the rows of this batch failing a rule, and
    -- the violations counted per table and rule (apply_staged's stats)
    if to_regclass('pg_temp._qhit') is null then
        create temp table _qhit (target_ctid tid, flags text[], warns text[], quars text[]) on commit delete rows;
        create temp table _qcount (source_table text, rule text, n bigint) on commit delete rows;
    end if;
    -- the rows whose change dw._quality_check quarantined in this round (their
    -- entries are gone from pg_temp._fe; dw._fact_round keeps their state as it was)
    if to_regclass('pg_temp._qrows') is null then
        create temp table _qrows (row_id bigint primary key) on commit delete rows;
    end if;
    -- Partition-parallel apply (dw.apply_staged with the advisory lock shared): the changes
    -- waiting in dw.pending_fact and dw.pending_dim that this batch may release are those of
    -- the partitions its applier holds (pg_temp._own, filled per batch). Everything that
    -- reads or releases waiting changes goes through these views; with the lock exclusive
    -- (helio.scope not 'partitions') they are the whole tables. (Simple views: deletes
    -- through them reach the tables.)
    if to_regclass('pg_temp.pending_mine') is null then
        create temp table _own (source_table text, kpartition int) on commit delete rows;
        create temp view pending_mine as
        select * from dw.pending_fact p
         where current_setting('helio.scope', true) is distinct from 'partitions'
            or exists (select 1 from pg_temp._own o
                        where o.source_table = p.source_table and o.kpartition = p.kpartition);
    end if;
    if to_regclass('pg_temp.pending_dim_mine') is null then
        create temp view pending_dim_mine as
        select * from dw.pending_dim p
         where current_setting('helio.scope', true) is distinct from 'partitions'
            or exists (select 1 from pg_temp._own o
                        where o.source_table = p.source_table and o.kpartition = p.kpartition);
    end if;
    if to_regclass('pg_temp.stage_tx') is null then
        create temp table stage_tx (
            tx_id       bigint,
            commit_lsn  pg_lsn not null,
            commit_ts   timestamptz,
            event_count int,
            collections jsonb              -- {"public.users":2,"public.energy":10}
        ) on commit delete rows;
    end if;
end
$$;
