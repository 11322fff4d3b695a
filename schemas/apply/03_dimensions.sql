-- ---------------------------------------------------------------------------
-- Dimensions (SCD type 2)
-- ---------------------------------------------------------------------------

-- Applies round p_round of pg_temp._dim_tx (one row per natural key and source
-- transaction: commit_ts, last_lsn, last_op, merged `after`) to dw.<p_dim>.
-- New values are typed casts of the merged `after` (a key absent, or holding
-- the placeholder, keeps the current version's value); type-2 and type-1
-- columns are compared by typed value with IS DISTINCT FROM.
create or replace function dw._dim_round(p_dim text, p_nk text, p_sk text, p_cols text[],
                                         p_type2 text[], p_type1 text[], p_round int)
returns void language plpgsql as $$
declare
    v_t2 text := 'false';
    v_t1 text := 'false';
    v_new text;
    v_cur text;
    v_set text;
    v_ins text;
    v_sel text;
begin
    if cardinality(p_type2) > 0 then
        select format('row(%s) is distinct from row(%s)',
                      string_agg(format('x.%I', 'n_' || c), ', '), string_agg(format('x.%I', 'o_' || c), ', '))
          into v_t2 from unnest(p_type2) c;
    end if;
    if cardinality(p_type1) > 0 then
        select format('row(%s) is distinct from row(%s)',
                      string_agg(format('x.%I', 'n_' || c), ', '), string_agg(format('x.%I', 'o_' || c), ', '))
          into v_t1 from unnest(p_type1) c;
    end if;
    select string_agg(format('case when c.last_op = ''d'' or not coalesce(c.merged ? %L, false) then d.%I '
                             'else (c.merged->>%L)::%s end as %I',
                             a.attname, a.attname, a.attname, format_type(a.atttypid, a.atttypmod), 'n_' || a.attname),
                      ', ' order by a.attnum),
           string_agg(format('d.%I as %I', a.attname, 'o_' || a.attname), ', ' order by a.attnum)
      into v_new, v_cur
      from pg_attribute a
     where a.attrelid = format('dw.%I', p_dim)::regclass and a.attname = any (p_cols);
    select string_agg(format('%I = r.%I', c, 'n_' || c), ', '),
           string_agg(format('%I', c), ', '),
           string_agg(format('r.%I', 'n_' || c), ', ')
      into v_set, v_ins, v_sel
      from unnest(p_cols) c;

    drop table if exists _dim_round;
    execute format($q$
        create temp table _dim_round on commit drop as
        select x.*,
               case
                 when x.cur_key is null then case when x.last_op = 'd' then 'none' else 'insert' end
                 when x.last_op = 'd' then
                      case when x.cur_deleted then 'none'
                           when x.commit_ts <= x.cur_from then 'inplace' else 'version' end
                 when x.cur_inferred then 'inplace'
                 when x.cur_deleted or (%s) then
                      case when x.commit_ts <= x.cur_from then 'inplace' else 'version' end
                 when %s then 'inplace'
                 else 'none'
               end as action
          from (select c.row_id, c.commit_lsn, c.commit_ts, c.last_lsn, c.last_op,
                       d.%I as cur_key, d.version as cur_version, d.valid_from as cur_from,
                       d.is_deleted as cur_deleted, d.is_inferred as cur_inferred,
                       %s, %s
                  from pg_temp._dim_tx c
                  left join lateral (select * from dw.%I d where d.%I = c.row_id and d.is_current offset 0) d on true
                 where c.rnd = %s) x
    $q$, v_t2, v_t1, p_sk, v_new, v_cur, p_dim, p_nk, p_round);

    -- close the versions that a new one replaces
    execute format($q$
        update dw.%I d set valid_to = r.commit_ts, is_current = false, loaded_at = now()
          from pg_temp._dim_round r
         where r.action = 'version' and d.%I = r.cur_key
    $q$, p_dim, p_sk);
    -- overwrite in place: type-1 change, inferred member completed, same commit time
    execute format($q$
        update dw.%I d set %s,
               is_deleted = (r.last_op = 'd'),
               is_inferred = false,
               valid_from = case when r.cur_inferred and d.version = 1
                                 then least(d.valid_from, r.commit_ts) else d.valid_from end,
               source_lsn = r.last_lsn, source_commit_ts = r.commit_ts, loaded_at = now()
          from pg_temp._dim_round r
         where r.action = 'inplace' and d.%I = r.cur_key
    $q$, p_dim, v_set, p_sk);
    -- open new versions (version 1 for new keys)
    execute format($q$
        insert into dw.%I (%I, %s, valid_from, valid_to, is_current, version, is_deleted, is_inferred,
                           source_lsn, source_commit_ts, loaded_at)
        select r.row_id, %s, r.commit_ts, null, true, coalesce(r.cur_version, 0) + 1, r.last_op = 'd', false,
               r.last_lsn, r.commit_ts, now()
          from pg_temp._dim_round r
         where r.action in ('insert', 'version')
    $q$, p_dim, p_nk, v_ins, v_sel);
end
$$;

-- Collapses the events of pg_temp._dim_ev up to p_upper (all if null) to one
-- row per key and transaction (the last op; the `after` images merged in lsn
-- order, placeholders removed), applies them in rounds and records positions.
create or replace function dw._dim_segment(p_source text, p_dim text, p_nk text, p_sk text, p_cols text[],
                                           p_type2 text[], p_type1 text[],
                                           p_upper_commit pg_lsn, p_upper_lsn pg_lsn)
returns void language plpgsql as $$
declare
    v_rounds int;
begin
    delete from pg_temp._dim_tx;
    insert into pg_temp._dim_tx (row_id, commit_lsn, commit_ts, last_lsn, last_op, merged, rnd)
    select y.row_id, y.commit_lsn, y.commit_ts, y.last_lsn, y.last_op, y.merged,
           dense_rank() over (partition by y.row_id order by y.commit_lsn)::int as rnd
      from (select e.row_id, e.commit_lsn,
                   last_value(e.commit_ts) over w as commit_ts,
                   last_value(e.lsn) over w as last_lsn,
                   last_value(e.op) over w as last_op,
                   dw.jsonb_merge_agg(case when strpos(e.after::text, '__debezium_unavailable_value') > 0
                                           then dw.strip_unavailable(e.after) else e.after end) over w as merged,
                   row_number() over w as k
              from pg_temp._dim_ev e
             where p_upper_commit is null or (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn)
            window w as (partition by e.row_id, e.commit_lsn order by e.lsn
                         rows between unbounded preceding and unbounded following)) y
     where y.k = 1;
    delete from pg_temp._dim_ev e
     where p_upper_commit is null or (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);

    select coalesce(max(rnd), 0) into v_rounds from pg_temp._dim_tx;
    for r in 1 .. v_rounds loop
        perform dw._dim_round(p_dim, p_nk, p_sk, p_cols, p_type2, p_type1, r);
    end loop;
    perform dw._record_positions(p_source);
end
$$;

-- Positions of pg_temp._dim_tx rows (the greatest per key wins).
create or replace function dw._record_positions(p_source text) returns void
language plpgsql as $$
begin
    delete from pg_temp._dim_pos;
    insert into pg_temp._dim_pos (row_id, commit_lsn, last_lsn)
    select distinct on (t.row_id) t.row_id, t.commit_lsn, t.last_lsn
      from pg_temp._dim_tx t
     order by t.row_id, t.commit_lsn desc, t.last_lsn desc;
    update dw.applied_position p
       set commit_lsn = t.commit_lsn, lsn = t.last_lsn
      from pg_temp._dim_pos t
     where p.source_table = p_source and p.source_id = t.row_id
       and (t.commit_lsn, t.last_lsn) > (p.commit_lsn, p.lsn);
    insert into dw.applied_position (source_table, source_id, commit_lsn, lsn)
    select p_source, t.row_id, t.commit_lsn, t.last_lsn
      from pg_temp._dim_pos t
     where not exists (select 1 from dw.applied_position p where p.source_table = p_source and p.source_id = t.row_id);
end
$$;

-- Applies the staged changes of one dimension source table. Returns the number
-- of new (not duplicate) events, which also count toward the watermark.
create or replace function dw.apply_dimension(p_source text, p_type2 text[], p_type1 text[])
returns int language plpgsql as $$
declare
    v_dim text; v_nk text; v_sk text;
    v_cols text[];
    v_events int;
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_cut pg_lsn;
    v_open pg_lsn;
    t record;
begin
    select d.dim, d.nk, d.sk into v_dim, v_nk, v_sk
      from (values ('users', 'dim_users', 'user_id', 'user_key'),
                   ('units', 'dim_units', 'unit_id', 'unit_key'),
                   ('devices', 'dim_devices', 'device_id', 'device_key')) d(src, dim, nk, sk)
     where d.src = p_source;
    if v_dim is null then
        raise exception 'helio: % is not a dimension source table', p_source;
    end if;
    v_cols := dw.dim_data_columns(v_dim, v_nk, v_sk);

    -- changes that must wait are parked in pending_dim, and come back when
    -- they may go: those at or after a truncate that must still wait (the
    -- truncate barrier), and those of a transaction not yet whole (versions
    -- are per source transaction, and a batch may end inside one) — with,
    -- in both cases, every change of the table committed after them, so
    -- that each row's changes keep their order
    v_cut := dw._unripe_truncate(p_source);
    v_open := dw._first_incomplete_transaction(p_source);
    if v_open is not null and (v_cut is null or v_open < v_cut) then
        v_cut := v_open;
    end if;
    if dw._probing() then   -- (dw._probe_waiting: nothing waits)
        v_cut := null;
    end if;
    if exists (select 1 from pg_temp.pending_dim_mine p where p.source_table = p_source) then
        with back as (
            delete from pg_temp.pending_dim_mine p
             where p.source_table = p_source and (v_cut is null or p.commit_lsn < v_cut) returning p.*)
        insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
        select b.seq, b.source_table, b.op, b.row_id, b.lsn, b.commit_lsn, b.tx_id, b.commit_ts, b.after, b.before, b.kpartition
          from back b;
    end if;
    if v_cut is not null then
        with parked as (
            delete from pg_temp.stage_changes s
             where s.source_table = p_source and s.commit_lsn >= v_cut returning s.*)
        insert into dw.pending_dim (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
        select k.seq, k.source_table, k.op, k.row_id, k.lsn, k.commit_lsn, k.tx_id, k.commit_ts, k.after, k.before, k.kpartition
          from parked k
        on conflict on constraint pending_dim_event do nothing;
    end if;

    -- new events: not at or below the row's applied position; duplicates removed
    delete from pg_temp._dim_ev;
    insert into pg_temp._dim_ev (row_id, op, commit_lsn, lsn, commit_ts, after)
    select distinct on (s.row_id, s.commit_lsn, s.lsn)
           s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after
      from pg_temp.stage_changes s
      left join lateral (select * from dw.applied_position p
                          where p.source_table = p_source and p.source_id = s.row_id offset 0) p on true
     where s.source_table = p_source and s.op in ('c', 'u', 'd', 'r') and s.row_id is not null
       and (p.source_id is null or (s.commit_lsn, s.lsn) > (p.commit_lsn, p.lsn))
     order by s.row_id, s.commit_lsn, s.lsn, s.seq;

    delete from pg_temp._dim_trunc;
    insert into pg_temp._dim_trunc (commit_lsn, lsn, commit_ts)
    select distinct on (s.commit_lsn, s.lsn) s.commit_lsn, s.lsn, s.commit_ts
      from pg_temp.stage_changes s
     where s.source_table = p_source and s.op = 't'
       and not exists (select 1 from dw.applied_truncate a
                        where a.source_table = p_source and a.commit_lsn = s.commit_lsn and a.lsn = s.lsn)
     order by s.commit_lsn, s.lsn;

    select (select count(*) from pg_temp._dim_ev) + (select count(*) from pg_temp._dim_trunc) into v_events;

    -- every new event counts toward its transaction's END (the END may come later)
    perform dw._count_dim_applied(array(select commit_lsn from pg_temp._dim_ev
                                        union all select commit_lsn from pg_temp._dim_trunc));

    -- events at or below an already applied truncate are superseded by it
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_source
     order by a.commit_lsn desc, a.lsn desc limit 1;
    if v_lo_commit is not null then
        delete from pg_temp._dim_tx;
        insert into pg_temp._dim_tx (row_id, commit_lsn, last_lsn)
        select e.row_id, e.commit_lsn, e.lsn as last_lsn from pg_temp._dim_ev e
         where (e.commit_lsn, e.lsn) <= (v_lo_commit, v_lo_lsn);
        perform dw._record_positions(p_source);
        delete from pg_temp._dim_ev e where (e.commit_lsn, e.lsn) <= (v_lo_commit, v_lo_lsn);
    end if;

    for t in select * from pg_temp._dim_trunc order by commit_lsn, lsn loop
        perform dw._dim_segment(p_source, v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, t.commit_lsn, t.lsn);
        -- the truncate: every member live before it is deleted. A member whose
        -- applied position is after it came in later, through a partition
        -- read before the truncate's (a truncate has no key): it stays.
        delete from pg_temp._dim_tx;
        execute format($q$
            insert into pg_temp._dim_tx (row_id, commit_lsn, commit_ts, last_lsn, last_op, merged, rnd)
            select d.%I as row_id, %L::pg_lsn as commit_lsn, %L::timestamptz as commit_ts,
                   %L::pg_lsn as last_lsn, 'd'::char(1) as last_op, null::jsonb as merged, 1 as rnd
              from dw.%I d where d.is_current and not d.is_deleted
               and not exists (select 1 from dw.applied_position p
                                where p.source_table = %L and p.source_id = d.%I
                                  and (p.commit_lsn, p.lsn) > (%L::pg_lsn, %L::pg_lsn))
        $q$, v_nk, t.commit_lsn, t.commit_ts, t.lsn, v_dim, p_source, v_nk, t.commit_lsn, t.lsn);
        perform dw._dim_round(v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, 1);
        perform dw._record_positions(p_source);
        insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
        values (p_source, t.commit_lsn, t.lsn, t.commit_ts) on conflict do nothing;
    end loop;
    perform dw._dim_segment(p_source, v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, null, null);
    return v_events;
end
$$;
