-- ---------------------------------------------------------------------------
-- Truncate barrier
-- ---------------------------------------------------------------------------
--
-- A truncate has no key: it travels on a partition of its own, while the
-- changes of its table committed before it may still be on their way through
-- other partitions (or other appliers). Applied on arrival, it would miss
-- them: they would then arrive below an applied truncate, be taken for
-- superseded and dropped, and the history they wrote when applied in order
-- (dimension versions, ledger originals and their reversals) would be missing.
-- So a truncate of a dimension or fact table waits until every event of its
-- table committed at or before it has arrived, which the END events' counts
-- make decidable; the table's changes committed at or after it wait with it
-- (dimensions in pending_dim, facts in pending_fact). Changes committed after
-- it that were applied before it arrived stay: a truncate removes only what
-- its table held before it in source order.
-- irradiance needs no barrier: its mirror holds no history, so removing the
-- readings whose latest change is before the truncate gives the same result in
-- any order (dw.apply_irradiance).

-- How long a truncate waits for events that its END counted but that never
-- arrive (a record dead-lettered, a topic consumed from a later offset): it is
-- then applied with what has arrived.
create or replace function dw._truncate_wait_limit() returns interval
language sql immutable as $$ select interval '10 minutes' $$;

-- The tables behind the barrier: those whose apply keeps history.
create or replace function dw._barrier_tables() returns text[]
language sql immutable as $$ select array['users', 'units', 'devices', 'energy', 'energy_compensate'] $$;

-- Counts what arrived in this batch: per source transaction and table, the
-- END's announced count (dw.tx_arrival) and, per Kafka partition, the distinct
-- events arrived (dw.tx_arrival_partition; dw._arrived adds them up). An event sent again
-- (capture re-sends from its last confirmed position after a restart) comes
-- after its first copy in the same partition, at or below the greatest
-- (lsn, row id) counted there, and is not counted twice; snapshot reads share
-- one lsn and are counted by row. Complete transactions are forgotten.
create or replace function dw._count_arrivals() returns void
language plpgsql as $$
declare
    v_horizon pg_lsn;
begin
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    -- what each END announced (an END seen before, below the horizon, is a repeat)
    insert into dw.tx_arrival as a (commit_lsn, source_table, expected, end_seen_at)
    select c.commit_lsn, split_part(c.collection, '.', 2), sum(c.n)::int, now()
      from pg_temp._end_counts c
     where split_part(c.collection, '.', 2) = any (dw._barrier_tables())
       and (v_horizon is null or c.commit_lsn > v_horizon)
     group by 1, 2
    on conflict (commit_lsn, source_table) do update
       set expected = excluded.expected, end_seen_at = excluded.end_seen_at
     where a.expected is null;
    -- (only a batch with ENDs touches the horizon's row: appliers sharing the warehouse
    -- wait for each other here only when both hold partitions of the transaction topic)
    if exists (select 1 from pg_temp.stage_tx) then
        insert into dw.tx_end_horizon as h (singleton, commit_lsn)
        select true, max(s.commit_lsn) from pg_temp.stage_tx s having max(s.commit_lsn) is not null
        on conflict (singleton) do update set commit_lsn = excluded.commit_lsn where h.commit_lsn < excluded.commit_lsn;
    end if;
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;

    -- (hash aggregates, no sort: this runs on every batch, over every staged
    -- change. max_row is the greatest row id of the group, not of its greatest
    -- lsn: only a multi-row insert shares one lsn, and its new ids are greater
    -- than those of the rows the transaction touched before it.)
    delete from pg_temp._arr;
    insert into pg_temp._arr (commit_lsn, source_table, kpartition, n, max_lsn, max_row)
    select d.commit_lsn, d.source_table, d.kpartition,
           count(*) filter (where d.op = 'r' or p.max_lsn is null or (d.lsn, d.row_id) > (p.max_lsn, p.max_row)),
           max(d.lsn), max(d.row_id)
      from (select distinct c.commit_lsn, c.source_table, coalesce(c.kpartition, -1) as kpartition, c.lsn,
                   coalesce(c.row_id, -1) as row_id, c.op
              from pg_temp.stage_changes c
             where c.source_table = any (dw._barrier_tables())
            union
            select f.commit_lsn, f.source_table, coalesce(f.kpartition, -1), f.lsn, f.row_id, f.op
              from pg_temp.stage_facts f) d
      left join dw.tx_arrival_partition p
             on p.commit_lsn = d.commit_lsn and p.source_table = d.source_table and p.kpartition = d.kpartition
     group by d.commit_lsn, d.source_table, d.kpartition;

    -- (each partition's row has one writer, the partition's holder: appliers sharing the
    -- warehouse, whose batches carry events of the same transactions, do not wait here)
    insert into dw.tx_arrival_partition as p (commit_lsn, source_table, kpartition, max_lsn, max_row, arrived)
    select a.commit_lsn, a.source_table, a.kpartition, a.max_lsn, a.max_row, a.n from pg_temp._arr a
     order by 1, 2, 3
    on conflict (commit_lsn, source_table, kpartition) do update
       set max_lsn = case when (excluded.max_lsn, excluded.max_row) > (p.max_lsn, p.max_row) then excluded.max_lsn else p.max_lsn end,
           max_row = case when (excluded.max_lsn, excluded.max_row) > (p.max_lsn, p.max_row) then excluded.max_row else p.max_row end,
           arrived = p.arrived + excluded.arrived
     where excluded.arrived > 0 or (excluded.max_lsn, excluded.max_row) > (p.max_lsn, p.max_row);

    -- Complete transactions are forgotten: those of the batch, of its ENDs, and the oldest few
    -- (two appliers may each add their count while neither sees the other's: the rows they
    -- leave complete are pruned by a later batch). Rows another batch is deleting are skipped.
    with candidates as (
        select a.commit_lsn, a.source_table from pg_temp._arr a
        union
        select c.commit_lsn, split_part(c.collection, '.', 2) from pg_temp._end_counts c
        union
        (select t.commit_lsn, t.source_table from dw.tx_arrival t order by 1, 2 limit 16)),
    done as (
        delete from dw.tx_arrival t
         where t.ctid in (select x.ctid from dw.tx_arrival x
                            join candidates c on c.commit_lsn = x.commit_lsn and c.source_table = x.source_table
                           -- (c's columns, not x's: a condition on x alone is pushed into the
                           -- scan of tx_arrival and added up the arrivals of every transaction
                           -- whose END came ahead of its events, per batch; in a catch-up that
                           -- is thousands of ENDs read ahead, each summed again by every batch)
                           where x.expected is not null
                             and x.expected <= dw._arrived(c.commit_lsn, c.source_table)
                             for update of x skip locked)
        returning t.commit_lsn, t.source_table)
    delete from dw.tx_arrival_partition p using done d
     where p.commit_lsn = d.commit_lsn and p.source_table = d.source_table;
    -- and repeats of transactions forgotten before: counted in this batch's partitions, at or
    -- below the horizon (their END seen), with no END count left
    delete from dw.tx_arrival_partition p using pg_temp._arr a
     where p.commit_lsn = a.commit_lsn and p.source_table = a.source_table and p.kpartition = a.kpartition
       and p.commit_lsn <= v_horizon
       and not exists (select 1 from dw.tx_arrival t where t.commit_lsn = p.commit_lsn and t.source_table = p.source_table);
end
$$;

-- How many distinct events of a source transaction's table have arrived, over all partitions.
create or replace function dw._arrived(p_commit pg_lsn, p_table text) returns bigint
language sql stable as $$
    select coalesce(sum(p.arrived), 0) from dw.tx_arrival_partition p
     where p.commit_lsn = p_commit and p.source_table = p_table
$$;

-- The commit of the first truncate of p_table, not yet applied, that must
-- still wait: its own END has not been seen, or an event of p_table committed
-- at or before it has not arrived (given up after dw._truncate_wait_limit()).
-- Null when no truncate waits. Truncates are looked for among the staged
-- changes and those waiting (pending_dim, pending_fact: a truncate is their
-- only row without a row id, which their unique index finds).
create or replace function dw._unripe_truncate(p_table text) returns pg_lsn
language plpgsql as $$
declare
    v_horizon pg_lsn;
    v_first pg_lsn;
begin
    if not exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't')
       and not exists (select 1 from dw.pending_dim p where p.source_table = p_table and p.row_id is null)
       and not exists (select 1 from dw.pending_fact p where p.source_table = p_table and p.row_id is null) then
        return null;
    end if;
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    select min(t.commit_lsn) into v_first
      from (select s.commit_lsn, s.lsn from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't'
            union all
            select p.commit_lsn, p.lsn from dw.pending_dim p where p.source_table = p_table and p.row_id is null
            union all
            select p.commit_lsn, p.lsn from dw.pending_fact p where p.source_table = p_table and p.row_id is null) t
     where not exists (select 1 from dw.applied_truncate a
                        where a.source_table = p_table and a.commit_lsn = t.commit_lsn and a.lsn = t.lsn)
       and (v_horizon is null or v_horizon < t.commit_lsn
            or exists (select 1 from dw.tx_arrival x
                        where x.source_table = p_table and x.commit_lsn <= t.commit_lsn
                          and x.expected is not null and dw._arrived(x.commit_lsn, x.source_table) < x.expected
                          and x.end_seen_at > now() - dw._truncate_wait_limit()));
    return v_first;
end
$$;

-- The commit of the first source transaction with a change of dimension
-- table p_table (staged or waiting in pending_dim) that is not yet whole:
-- its END has not been seen, or some of its events of p_table have not
-- arrived (given up after dw._truncate_wait_limit()). Null when all are whole.
-- Snapshot reads are left out: one read per row, no transaction to complete
-- (and an initial snapshot may come without an END).
create or replace function dw._first_incomplete_transaction(p_table text) returns pg_lsn
language plpgsql as $$
declare
    v_horizon pg_lsn;
    v_first pg_lsn;
begin
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    select min(e.commit_lsn) into v_first
      from (select distinct s.commit_lsn from pg_temp.stage_changes s
             where s.source_table = p_table and s.op <> 'r'
            union
            select distinct p.commit_lsn from pg_temp.pending_dim_mine p
             where p.source_table = p_table and p.op <> 'r') e
     where v_horizon is null or e.commit_lsn > v_horizon
        or exists (select 1 from dw.tx_arrival a
                    where a.commit_lsn = e.commit_lsn and a.source_table = p_table
                      and a.expected is not null and dw._arrived(a.commit_lsn, a.source_table) < a.expected
                      and a.end_seen_at > now() - dw._truncate_wait_limit());
    return v_first;
end
$$;

-- The commit up to which fact changes of p_table may be applied: the
-- watermark p_w, or just below the first truncate of the table that must
-- still wait, whichever is lower.
create or replace function dw._fact_cutoff(p_table text, p_w pg_lsn) returns pg_lsn
language plpgsql as $$
declare
    v_t pg_lsn := dw._unripe_truncate(p_table);
begin
    return case when v_t is null or v_t > p_w then p_w else v_t - 1::numeric end;
end
$$;
