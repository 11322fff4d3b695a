-- ---------------------------------------------------------------------------
-- Dimension watermark
-- ---------------------------------------------------------------------------

-- Records END events: how many dimension events each transaction carried, and
-- how many events of the collections apply consumes (transaction consistency).
drop function if exists dw.record_tx_ends();
create or replace function dw.record_tx_ends(p_collections text[]) returns int
language plpgsql as $$
declare
    v_n int;
begin
    insert into dw.tx_log as t (commit_lsn, tx_id, commit_ts, dim_expected, tc_expected)
    select distinct on (s.commit_lsn) s.commit_lsn, s.tx_id, s.commit_ts,
           coalesce((select sum(c.n) from pg_temp._end_counts c
                      where c.commit_lsn = s.commit_lsn and c.collection in ('public.users', 'public.units', 'public.devices')), 0),
           coalesce((select sum(c.n) from pg_temp._end_counts c
                      where c.commit_lsn = s.commit_lsn and c.collection = any (p_collections)), 0)
      from pg_temp.stage_tx s
     where s.commit_lsn >= coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn)
        -- an END announcing no event is recorded even behind the horizon: in Debezium's
        -- form the END apply makes for a snapshot position arrives with the snapshot's
        -- rows, which the transaction topic's later ENDs may have overtaken; such a row
        -- is complete at once and blocks nothing, so recording a repeat costs nothing
        or s.event_count = 0
     order by s.commit_lsn
    on conflict (commit_lsn) do update
       set tx_id = excluded.tx_id, commit_ts = excluded.commit_ts, dim_expected = excluded.dim_expected,
           tc_expected = excluded.tc_expected
     where t.dim_expected is null;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- Counts dimension events toward their transactions' ENDs (one element per
-- event: its commit position), at or above the horizon below which every
-- transaction is complete. Not for changes released from the quarantine
-- (helio.release, set by dw.apply_staged): they were counted when held.
create or replace function dw._count_dim_applied(p_commits pg_lsn[]) returns int
language plpgsql as $$
begin
    if cardinality(p_commits) = 0 or current_setting('helio.release', true) = 'on' then
        return 0;
    end if;
    insert into dw.tx_log as tl (commit_lsn, dim_applied)
    select c, count(*) from unnest(p_commits) c
     where c >= coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn)
     group by c
     order by c   -- (rows locked in commit order: appliers sharing the warehouse do not deadlock)
    on conflict (commit_lsn) do update set dim_applied = tl.dim_applied + excluded.dim_applied;
    return cardinality(p_commits);
end
$$;

-- The END events' counts per collection; collections come as Debezium's array
-- ([{"data_collection": …, "event_count": …}]) or as an object ({"public.users": 2}).
-- One END per transaction: a batch can hold the same END twice (capture re-sends
-- after a restart), and counting both would double what the transaction expects.
create or replace function dw._stage_end_counts() returns void
language plpgsql as $$
begin
    delete from pg_temp._end_counts;
    insert into pg_temp._end_counts (commit_lsn, collection, n)
    with ends as (select distinct on (t.commit_lsn) t.commit_lsn, t.collections
                    from pg_temp.stage_tx t order by t.commit_lsn)
    select s.commit_lsn, e.value->>'data_collection' as collection, (e.value->>'event_count')::int as n
      from ends s
     cross join lateral jsonb_array_elements(case when jsonb_typeof(s.collections) = 'array'
                                                  then s.collections else '[]'::jsonb end) e
    union all
    select s.commit_lsn, e.key, (e.value #>> '{}')::int
      from ends s
     cross join lateral jsonb_each(case when jsonb_typeof(s.collections) = 'object'
                                        then s.collections else '{}'::jsonb end) e;
end
$$;

-- Debezium's record form: a change event names its transaction (tx_id) but not
-- the transaction's commit position, which only the END on the transaction topic
-- carries (its id is <txId>:<commit LSN>). The changes staged without one are
-- joined here to their END, before anything else looks at commit_lsn; those
-- whose END has not arrived wait in dw.unresolved_change and rejoin the batch
-- that brings it. A transaction id is 32 bits and wraps: a change joins the first END of
-- its tx_id after its own lsn. The ENDs are kept (dw.tx_commit) until every event
-- they announced for the collections apply consumes has joined (distinct events:
-- one sent again after a capture restart is not counted twice); a capture that
-- sends a transaction again sends its END again, which records it again.
-- Returns the number of changes still waiting for their END.
create or replace function dw._join_commit_positions(p_collections text[]) returns bigint
language plpgsql as $$
declare
    v_waiting bigint;
begin
    insert into dw.tx_commit (tx_id, commit_lsn, expected)
    select e.tx_id, e.commit_lsn, e.expected
      from (select distinct on (s.commit_lsn) s.tx_id, s.commit_lsn,
                   coalesce((select sum(c.n) from pg_temp._end_counts c
                              where c.commit_lsn = s.commit_lsn and c.collection = any (p_collections)), 0) as expected
              from pg_temp.stage_tx s
             where s.tx_id is not null
             order by s.commit_lsn) e
     where e.expected > 0
    on conflict do nothing;

    -- waiting changes whose END is known now rejoin the batch; the others stay where they are
    with back as (
        delete from dw.unresolved_change u
         where exists (select 1 from dw.tx_commit t where t.tx_id = u.tx_id and t.commit_lsn > u.lsn)
        returning u.*)
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
    select b.seq, b.source_table, b.op, b.row_id, b.lsn, null, b.tx_id, b.commit_ts, b.after, b.before, b.kpartition
      from back b;

    with joined as (
        update pg_temp.stage_changes s
           set commit_lsn = (select min(t.commit_lsn) from dw.tx_commit t
                              where t.tx_id = s.tx_id and t.commit_lsn > s.lsn)
         where s.commit_lsn is null
        returning s.commit_lsn, s.source_table, s.row_id, s.lsn, s.op)
    insert into dw.tx_commit_event (commit_lsn, source_table, row_id, lsn, op)
    select j.commit_lsn, j.source_table, j.row_id, j.lsn, j.op from joined j where j.commit_lsn is not null
    on conflict do nothing;

    insert into dw.unresolved_change (seq, source_table, op, row_id, lsn, tx_id, commit_ts, after, before, kpartition)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.tx_id, s.commit_ts, s.after, s.before, s.kpartition
      from pg_temp.stage_changes s where s.commit_lsn is null
    on conflict do nothing;
    delete from pg_temp.stage_changes s where s.commit_lsn is null;

    -- complete transactions are forgotten; one whose events never all come (a record
    -- dead-lettered) after a week
    with done as (
        delete from dw.tx_commit t
         where t.expected <= (select count(*) from dw.tx_commit_event e where e.commit_lsn = t.commit_lsn)
            or t.seen_at < now() - interval '7 days'
        returning t.commit_lsn)
    delete from dw.tx_commit_event e using done d where e.commit_lsn = d.commit_lsn;

    select count(*) into v_waiting from dw.unresolved_change;
    return v_waiting;
end
$$;

-- Transaction consistency: moves the staged changes of transactions not yet
-- released into dw.held_change, then releases (back into the staging table)
-- the longest run, in commit order, of transactions whose END has arrived and
-- whose events have all arrived. A transaction is never released before an
-- earlier one, so the warehouse moves from one source commit to a later one.
-- With the option off, whatever is still held is released at once. Returns
-- the number of changes still held.
create or replace function dw.hold_incomplete_transactions(p_enabled boolean) returns bigint
language plpgsql as $$
declare
    v_done pg_lsn;
    v_upto pg_lsn;
    v_held bigint;
begin
    if not p_enabled then
        if exists (select 1 from dw.held_change) then
            insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
            select h.seq, h.source_table, h.op, h.row_id, h.lsn, h.commit_lsn, h.tx_id, h.commit_ts, h.after, h.before
              from dw.held_change h;
            delete from dw.held_change;
        end if;
        delete from dw.tc_horizon;
        return 0;
    end if;
    select h.commit_lsn into v_done from dw.tc_horizon h;
    if v_done is null then
        -- first use: every transaction the dimension watermark has passed was whole
        -- (and those whose END was recorded before the option existed: their counts are unknown)
        v_done := greatest(coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn),
                           coalesce((select max(l.commit_lsn) from dw.tx_log l
                                      where l.dim_expected is not null and l.tc_expected is null), '0/0'::pg_lsn));
        insert into dw.tc_horizon (singleton, commit_lsn) values (true, v_done);
    end if;
    insert into dw.held_change (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.commit_lsn, s.tx_id, s.commit_ts, s.after, s.before
      from pg_temp.stage_changes s
     where s.commit_lsn > v_done
    on conflict on constraint held_change_event do nothing;
    delete from pg_temp.stage_changes s where s.commit_lsn > v_done;   -- below: duplicates, skipped as usual

    -- transactions above the horizon: those with END (tx_log) and those only
    -- seen by their changes (no END yet), in commit order
    select max(x.commit_lsn) into v_upto
      from (select c.commit_lsn,
                   bool_and(c.whole) over (order by c.commit_lsn rows between unbounded preceding and current row) as run
              from (select coalesce(t.commit_lsn, h.commit_lsn) as commit_lsn,
                           coalesce(t.tc_expected is not null and coalesce(h.n, 0) >= t.tc_expected, false) as whole
                      from (select l.commit_lsn, l.tc_expected from dw.tx_log l where l.commit_lsn > v_done) t
                      -- (a change held in the quarantine, for an apply error or behind
                      -- one, arrived too: its transaction is whole without it)
                      full join (select d.commit_lsn, count(*) as n
                                   from (select e.commit_lsn, e.source_table, e.row_id, e.lsn, e.op from dw.held_change e
                                         union
                                         select q.commit_lsn, q.source_table, q.row_id, q.lsn, q.op from dw.quarantine q
                                          where q.status = 'held' and q.commit_lsn > v_done) d
                                  group by d.commit_lsn) h
                        on h.commit_lsn = t.commit_lsn) c) x
     where x.run;
    if v_upto is not null then
        insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
        select h.seq, h.source_table, h.op, h.row_id, h.lsn, h.commit_lsn, h.tx_id, h.commit_ts, h.after, h.before
          from dw.held_change h where h.commit_lsn <= v_upto;
        delete from dw.held_change h where h.commit_lsn <= v_upto;
        update dw.tc_horizon set commit_lsn = v_upto;
    end if;
    select count(*) into v_held from dw.held_change;
    return v_held;
end
$$;

-- Operator's escape hatch for transaction consistency: releases every held
-- change at or below p_lsn (for example when the END of a transaction will
-- never come). Returns the number released; the next batch applies them.
create or replace function dw.release_held(p_lsn pg_lsn) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    update dw.tx_log set tc_expected = 0 where commit_lsn <= p_lsn;
    insert into dw.tx_log (commit_lsn, dim_expected, tc_expected)
    select distinct h.commit_lsn, null::int, 0 from dw.held_change h where h.commit_lsn <= p_lsn
    on conflict (commit_lsn) do update set tc_expected = 0;
    select count(*) into v_n from dw.held_change where commit_lsn <= p_lsn;
    return v_n;
end
$$;

-- W: the greatest commit with END seen such that every transaction at or below
-- it has its END seen and all its dimension events applied. Null if none.
-- (apply_staged prunes the rows below W; the row at W stays, so W is kept.)
create or replace function dw.dim_watermark() returns pg_lsn
language sql stable as $$
    select max(t.commit_lsn)
      from dw.tx_log t
     where t.dim_expected is not null
       and t.commit_lsn < coalesce((select min(i.commit_lsn) from dw.tx_log i
                                     where i.dim_expected is null or i.dim_applied < i.dim_expected),
                                   'FFFFFFFF/FFFFFFFF'::pg_lsn)
$$;

-- Operator's escape hatch: declares every transaction at or below p_lsn
-- complete (for example when the transaction topic was consumed from a later
-- offset than the change topics, so some ENDs will never come). Facts up to
-- p_lsn are then keyed by the next apply_staged. Returns the new watermark.
create or replace function dw.force_watermark(p_lsn pg_lsn) returns pg_lsn
language plpgsql as $$
begin
    delete from dw.tx_log where commit_lsn <= p_lsn;
    insert into dw.tx_log (commit_lsn, dim_expected, dim_applied) values (p_lsn, 0, 0);
    insert into dw.tx_log_horizon as h (singleton, commit_lsn) values (true, p_lsn)
    on conflict (singleton) do update set commit_lsn = excluded.commit_lsn where h.commit_lsn < excluded.commit_lsn;
    return dw.dim_watermark();
end
$$;
