-- ---------------------------------------------------------------------------
-- Facts
-- ---------------------------------------------------------------------------

-- Keys the ledger entries of pg_temp._fe (made by dw._fact_round or
-- dw._fact_typed_round) and writes them to fact_energy: inferred members for
-- what was never seen, the dimension versions valid at each entry's commit,
-- the climate row of its unit and day. Returns the entries written.
create or replace function dw._fact_key_and_write(p_table text) returns int
language plpgsql as $$
declare
    v_n int;
    v_lo timestamptz;
    v_hi timestamptz;
begin
    -- Only versions valid at some moment of the batch's commit span can key one
    -- of its entries (valid_from <= hi and valid_to > lo): with dimension churn
    -- a member has many versions, and the hash joins below would otherwise
    -- test each fact against all of them.
    select min(e.commit_ts), max(e.commit_ts) into v_lo, v_hi from pg_temp._fe e;
    -- devices: inferred members, then the versions of the devices involved
    -- (grouped first: one probe per device, not one per fact)
    insert into dw.dim_devices (device_id, valid_from, is_current, version, is_inferred, source_commit_ts)
    select e.device_id, min(e.commit_ts), true, 1, true, min(e.commit_ts) from pg_temp._fe e
     where e.device_id is not null
     group by e.device_id
    having not exists (select 1 from dw.dim_devices d where d.device_id = e.device_id)
    -- (another applier, sharing the warehouse, may infer or insert the same member now)
    on conflict do nothing;
    delete from pg_temp._dv;
    insert into pg_temp._dv
    select d.device_id, d.device_key, d.unit_id,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_devices d
     where d.device_id in (select distinct e.device_id from pg_temp._fe e where e.device_id is not null)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._dv;

    -- units: inferred members (only looked for when a candidate is missing),
    -- then every version of the units involved
    delete from pg_temp._uids;
    insert into pg_temp._uids
    select distinct x.unit_id from (select d.unit_id from pg_temp._dv d
                                    union all select e.unit_id from pg_temp._fe e) x
     where x.unit_id is not null;
    if exists (select 1 from pg_temp._uids k where not exists (select 1 from dw.dim_units d where d.unit_id = k.unit_id)) then
        insert into dw.dim_units (unit_id, valid_from, is_current, version, is_inferred, source_commit_ts)
        select x.unit_id, min(x.commit_ts), true, 1, true, min(x.commit_ts)
          from (select coalesce(d.unit_id, e.unit_id) as unit_id, e.commit_ts
                  from pg_temp._fe e
                  left join pg_temp._dv d on d.device_id = e.device_id
                                         and e.commit_ts >= d.vf and e.commit_ts < d.vt) x
         where x.unit_id is not null
           and not exists (select 1 from dw.dim_units d where d.unit_id = x.unit_id)
         group by x.unit_id
        on conflict do nothing;
    end if;
    delete from pg_temp._uv;
    insert into pg_temp._uv
    select d.unit_id, d.unit_key, d.user_id,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_units d
     where d.unit_id in (select unit_id from pg_temp._uids)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._uv;

    -- users: owners of those unit versions
    if exists (select 1 from pg_temp._uv u
                where u.user_id is not null
                  and not exists (select 1 from dw.dim_users d where d.user_id = u.user_id)) then
        insert into dw.dim_users (user_id, valid_from, is_current, version, is_inferred, source_commit_ts)
        select u.user_id, min(e.commit_ts), true, 1, true, min(e.commit_ts)
          from pg_temp._fe e
          left join pg_temp._dv d on d.device_id = e.device_id and e.commit_ts >= d.vf and e.commit_ts < d.vt
          join pg_temp._uv u on u.unit_id = coalesce(d.unit_id, e.unit_id)
                            and e.commit_ts >= u.vf and e.commit_ts < u.vt
         where u.user_id is not null
           and not exists (select 1 from dw.dim_users x where x.user_id = u.user_id)
         group by u.user_id
        on conflict do nothing;
    end if;
    delete from pg_temp._usv;
    insert into pg_temp._usv
    select d.user_id, d.user_key,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_users d
     where d.user_id in (select distinct user_id from pg_temp._uv where user_id is not null)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._usv;

    -- climate rows of the (unit, day)s involved, created empty when missing
    delete from pg_temp._dc;
    insert into pg_temp._dc
    select coalesce(d.unit_id, e.unit_id) as unit_id, e.day, min(e.lsn) as lsn, min(e.commit_ts) as commit_ts
      from pg_temp._fe e
      left join pg_temp._dv d on d.device_id = e.device_id and e.commit_ts >= d.vf and e.commit_ts < d.vt
     where coalesce(d.unit_id, e.unit_id) is not null and e.day is not null
     group by 1, 2;
    -- lineage of an empty row: the first fact change that needed it
    insert into dw.dim_day_climate (unit_id, day, sample_count, source_lsn, source_commit_ts)
    select k.unit_id, k.day, 0, k.lsn, k.commit_ts from pg_temp._dc k
     where not exists (select 1 from dw.dim_day_climate c where c.unit_id = k.unit_id and c.day = k.day)
    on conflict (unit_id, day) do nothing;
    delete from pg_temp._dck;
    insert into pg_temp._dck
    select c.unit_id, c.day, c.day_climate_key
      from pg_temp._dc k join dw.dim_day_climate c on c.unit_id = k.unit_id and c.day = k.day;
    analyze pg_temp._dck;

    perform dw._quality_check(p_table, '_fe', false);   -- (flags read from _qhit below)

    -- positions (fact_state) already guarantee each change is new, so a plain
    -- insert: ON CONFLICT DO NOTHING would cost ~20% of the whole apply. The
    -- unique constraint stays as the guard; were it ever hit (a bug), the batch
    -- fails loudly instead of writing a duplicate.
    insert into dw.fact_energy (source_table, source_id, source_lsn, entry_kind, device_key, unit_key, user_key,
                                day_climate_key, date_key, measured_at, generated_kwh, injected_kwh,
                                consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                                source_commit_lsn, source_commit_ts, loaded_at, quality_flags)
    select p_table, f.row_id, f.lsn, f.entry_kind, d.device_key, u.unit_key, us.user_key, c.day_climate_key,
           -- (date_part: double arithmetic, three times cheaper than extract's numeric)
           (date_part('year', f.day) * 10000 + date_part('month', f.day) * 100 + date_part('day', f.day))::int,
           f.measured_at, f.generated_kwh, f.injected_kwh, f.consumed_kwh, f.compensated_kwh, f.power_kw,
           f.credit_balance_kwh, f.commit_lsn, f.commit_ts, now(), nullif(h.flags, '{}')
      from pg_temp._fe f
      left join pg_temp._qhit h on h.target_ctid = f.ctid
      left join pg_temp._dv d on d.device_id = f.device_id and f.commit_ts >= d.vf and f.commit_ts < d.vt
      left join pg_temp._uv u on u.unit_id = coalesce(d.unit_id, f.unit_id)
                             and f.commit_ts >= u.vf and f.commit_ts < u.vt
      left join pg_temp._usv us on us.user_id = u.user_id and f.commit_ts >= us.vf and f.commit_ts < us.vt
      left join pg_temp._dck c on c.unit_id = coalesce(d.unit_id, f.unit_id) and c.day = f.day
     order by f.commit_lsn, f.lsn, f.entry_kind desc;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- Applies pg_temp._fact_in (at most one change per source row) of one fact
-- table: ledger entries derived from the held state (dw.fact_state), keyed to
-- the dimension versions valid at each change's commit time, then the new
-- state. Returns the number of ledger rows written.
--
-- Per change: insert/snapshot (or any change of a row not live) → original;
-- update → correction (deltas, new non-additive values); an update that moves
-- the row (energy: device or time; compensation: unit or month) → reversal
-- under the old attribution + original under the new; delete → reversal.
--
-- Keys: the version with valid_from <= ts < coalesce(valid_to, 'infinity');
-- version 1 also covers any earlier time, so a key is always found. A member
-- never seen becomes an inferred member (version 1 from the fact's commit time).
--
-- p_new: the caller guarantees that every row of _fact_in is held nowhere
-- (no fact_state row) and changes once, by an insert or snapshot read: each
-- is an original with its new values (a placeholder keeps the held value,
-- which is null), so the entries come straight from `after`, without _fr.
drop function if exists dw._fact_round(text, text);
create or replace function dw._fact_round(p_table text, p_tz text, p_new boolean) returns int
language plpgsql as $$
declare
    v_n int;
    v_energy constant boolean := p_table = 'energy';
    v_ph constant text := '__debezium_unavailable_value';
begin
    drop table if exists _fr;
    delete from pg_temp._fe;
    if p_new then
        -- st_*: what fact_state stores for the row
        insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                                 st_measured_at, st_reference_month)
        select i.row_id, i.lsn, i.commit_lsn, i.commit_ts, 2 as ord, 'original'::text as entry_kind,
               i.device_id, i.unit_id,
               case when v_energy then i.measured_at
                    else date_trunc('month', i.reference_month)::timestamp at time zone p_tz end as measured_at,
               case when v_energy then (i.measured_at at time zone p_tz)::date
                    else date_trunc('month', i.reference_month)::date end as day,
               i.energy_kwh as generated_kwh, i.injected_kwh, i.consumed_kwh, i.compensated_kwh,
               i.power_kw, i.credit_balance_kwh,
               i.measured_at as st_measured_at, i.reference_month as st_reference_month
          from (select x.row_id, x.lsn, x.commit_lsn, x.commit_ts,
                       case when x.t_device_id <> v_ph then x.t_device_id::bigint end as device_id,
                       case when x.t_unit_id <> v_ph then x.t_unit_id::bigint end as unit_id,
                       case when x.t_measured_at <> v_ph then x.t_measured_at::timestamptz end as measured_at,
                       case when x.t_reference_month <> v_ph then x.t_reference_month::date end as reference_month,
                       case when x.t_energy_kwh <> v_ph then x.t_energy_kwh::numeric end as energy_kwh,
                       case when x.t_power_kw <> v_ph then x.t_power_kw::numeric end as power_kw,
                       case when x.t_injected_kwh <> v_ph then x.t_injected_kwh::numeric end as injected_kwh,
                       case when x.t_consumed_kwh <> v_ph then x.t_consumed_kwh::numeric end as consumed_kwh,
                       case when x.t_compensated_kwh <> v_ph then x.t_compensated_kwh::numeric end as compensated_kwh,
                       case when x.t_credit_balance_kwh <> v_ph then x.t_credit_balance_kwh::numeric end
                           as credit_balance_kwh
                  from (select i.row_id, i.lsn, i.commit_lsn, i.commit_ts,
                               case when v_energy then i.after->>'device_id' end as t_device_id,
                               case when not v_energy then i.after->>'unit_id' end as t_unit_id,
                               case when v_energy then i.after->>'measured_at' end as t_measured_at,
                               case when not v_energy then i.after->>'reference_month' end as t_reference_month,
                               case when v_energy then i.after->>'energy_kwh' end as t_energy_kwh,
                               case when v_energy then i.after->>'power_kw' end as t_power_kw,
                               case when not v_energy then i.after->>'injected_kwh' end as t_injected_kwh,
                               case when not v_energy then i.after->>'consumed_kwh' end as t_consumed_kwh,
                               case when not v_energy then i.after->>'compensated_kwh' end as t_compensated_kwh,
                               case when not v_energy then i.after->>'credit_balance_kwh' end as t_credit_balance_kwh
                          from pg_temp._fact_in i
                        offset 0) x   -- offset 0: each value extracted once, not once per use
               ) i;
    else
    -- held values (o_*) and new values: the placeholder keeps the held value,
    -- a delete keeps them all.
    create temp table _fr on commit drop as
    select x.*,
           x.old_live and x.op <> 'd'
           and case when v_energy then (x.device_id, x.measured_at) is distinct from (x.o_device_id, x.o_measured_at)
                    else (x.unit_id, x.reference_month) is distinct from (x.o_unit_id, x.o_reference_month) end as moved
      from (select i.row_id, i.op, i.commit_lsn, i.lsn, i.commit_ts,
                   s.source_id is not null as had_state, s.s_ctid,
                   coalesce(s.live, false) as old_live,
                   s.device_id as o_device_id, s.unit_id as o_unit_id, s.measured_at as o_measured_at,
                   s.reference_month as o_reference_month, s.energy_kwh as o_energy_kwh, s.power_kw as o_power_kw,
                   s.injected_kwh as o_injected_kwh, s.consumed_kwh as o_consumed_kwh,
                   s.compensated_kwh as o_compensated_kwh, s.credit_balance_kwh as o_credit_balance_kwh,
                   case when not v_energy or i.op = 'd' or i.after->>'device_id' = v_ph then s.device_id
                        else (i.after->>'device_id')::bigint end as device_id,
                   case when v_energy or i.op = 'd' or i.after->>'unit_id' = v_ph then s.unit_id
                        else (i.after->>'unit_id')::bigint end as unit_id,
                   case when not v_energy or i.op = 'd' or i.after->>'measured_at' = v_ph then s.measured_at
                        else (i.after->>'measured_at')::timestamptz end as measured_at,
                   case when v_energy or i.op = 'd' or i.after->>'reference_month' = v_ph then s.reference_month
                        else (i.after->>'reference_month')::date end as reference_month,
                   case when not v_energy or i.op = 'd' or i.after->>'energy_kwh' = v_ph then s.energy_kwh
                        else (i.after->>'energy_kwh')::numeric end as energy_kwh,
                   case when not v_energy or i.op = 'd' or i.after->>'power_kw' = v_ph then s.power_kw
                        else (i.after->>'power_kw')::numeric end as power_kw,
                   case when v_energy or i.op = 'd' or i.after->>'injected_kwh' = v_ph then s.injected_kwh
                        else (i.after->>'injected_kwh')::numeric end as injected_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'consumed_kwh' = v_ph then s.consumed_kwh
                        else (i.after->>'consumed_kwh')::numeric end as consumed_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'compensated_kwh' = v_ph then s.compensated_kwh
                        else (i.after->>'compensated_kwh')::numeric end as compensated_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'credit_balance_kwh' = v_ph then s.credit_balance_kwh
                        else (i.after->>'credit_balance_kwh')::numeric end as credit_balance_kwh
              from pg_temp._fact_in i
              -- a probe per change (offset 0 keeps it a parameterized index scan:
              -- a hash join would read all of fact_state on every batch)
              left join lateral (select s.ctid as s_ctid, s.* from dw.fact_state s
                                  where s.source_table = p_table and s.source_id = i.row_id offset 0) s on true
             where s.source_id is null or (i.commit_lsn, i.lsn) > (s.commit_lsn, s.lsn)) x;

    -- the ledger entries: ord 1 = reversal under the held attribution,
    -- ord 2 = original/correction under the new one
    insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                             fv_generated_kwh, fv_injected_kwh, fv_consumed_kwh, fv_compensated_kwh,
                             st_measured_at, st_reference_month)
    select f.row_id, f.lsn, f.commit_lsn, f.commit_ts, k.ord,
           case when k.ord = 1 then 'reversal' when f.old_live and not f.moved then 'correction' else 'original' end
               as entry_kind,
           case when not v_energy then null when k.ord = 1 then f.o_device_id else f.device_id end as device_id,
           case when v_energy then null when k.ord = 1 then f.o_unit_id else f.unit_id end as unit_id,
           case when v_energy then case when k.ord = 1 then f.o_measured_at else f.measured_at end
                else date_trunc('month', case when k.ord = 1 then f.o_reference_month else f.reference_month end)::timestamp
                     at time zone p_tz end as measured_at,
           case when v_energy then ((case when k.ord = 1 then f.o_measured_at else f.measured_at end) at time zone p_tz)::date
                else date_trunc('month', case when k.ord = 1 then f.o_reference_month else f.reference_month end)::date
           end as day,
           case when k.ord = 1 then -f.o_energy_kwh
                when not f.old_live or f.moved then f.energy_kwh
                when f.energy_kwh is null and f.o_energy_kwh is null then null
                else coalesce(f.energy_kwh, 0) - coalesce(f.o_energy_kwh, 0) end as generated_kwh,
           case when k.ord = 1 then -f.o_injected_kwh
                when not f.old_live or f.moved then f.injected_kwh
                when f.injected_kwh is null and f.o_injected_kwh is null then null
                else coalesce(f.injected_kwh, 0) - coalesce(f.o_injected_kwh, 0) end as injected_kwh,
           case when k.ord = 1 then -f.o_consumed_kwh
                when not f.old_live or f.moved then f.consumed_kwh
                when f.consumed_kwh is null and f.o_consumed_kwh is null then null
                else coalesce(f.consumed_kwh, 0) - coalesce(f.o_consumed_kwh, 0) end as consumed_kwh,
           case when k.ord = 1 then -f.o_compensated_kwh
                when not f.old_live or f.moved then f.compensated_kwh
                when f.compensated_kwh is null and f.o_compensated_kwh is null then null
                else coalesce(f.compensated_kwh, 0) - coalesce(f.o_compensated_kwh, 0) end as compensated_kwh,
           case when k.ord = 1 then null else f.power_kw end as power_kw,
           case when k.ord = 1 then null else f.credit_balance_kwh end as credit_balance_kwh,
           f.energy_kwh, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.measured_at, f.reference_month   -- (what dw._quarantine keeps of a change held back)
      from pg_temp._fr f
      join (values (1), (2)) k(ord)
        on (k.ord = 2 and f.op <> 'd') or (k.ord = 1 and f.old_live and (f.op = 'd' or f.moved));
    end if;

    v_n := dw._fact_key_and_write(p_table);

    -- the new state: update the rows held, insert the others (a row whose change
    -- was quarantined keeps its state)
    if p_new then
        perform dw._fact_state_of_new(p_table);
        perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fe');
        return v_n;
    end if;
    update dw.fact_state s
       set live = f.op <> 'd', device_id = f.device_id, unit_id = f.unit_id, measured_at = f.measured_at,
           reference_month = f.reference_month, energy_kwh = f.energy_kwh, power_kw = f.power_kw,
           injected_kwh = f.injected_kwh, consumed_kwh = f.consumed_kwh, compensated_kwh = f.compensated_kwh,
           credit_balance_kwh = f.credit_balance_kwh, commit_lsn = f.commit_lsn, lsn = f.lsn
      from pg_temp._fr f
     where f.had_state and s.ctid = f.s_ctid   -- a TID scan: the row read into _fr above
       and not exists (select 1 from pg_temp._qrows q where q.row_id = f.row_id);
    insert into dw.fact_state (source_table, source_id, live, device_id, unit_id, measured_at, reference_month,
                               energy_kwh, power_kw, injected_kwh, consumed_kwh, compensated_kwh,
                               credit_balance_kwh, commit_lsn, lsn)
    select p_table, f.row_id, f.op <> 'd', f.device_id, f.unit_id, f.measured_at, f.reference_month,
           f.energy_kwh, f.power_kw, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.credit_balance_kwh, f.commit_lsn, f.lsn
      from pg_temp._fr f
     where not f.had_state
       and not exists (select 1 from pg_temp._qrows q where q.row_id = f.row_id);
    perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fr');
    return v_n;
end
$$;

-- fact_state rows for the entries of pg_temp._fe when every one is the first
-- change of a row never held (dw._fact_round's p_new, dw._fact_typed_round).
create or replace function dw._fact_state_of_new(p_table text) returns void
language plpgsql as $$   -- (plpgsql: the temp table does not exist when this is created)
begin
    insert into dw.fact_state (source_table, source_id, live, device_id, unit_id, measured_at, reference_month,
                               energy_kwh, power_kw, injected_kwh, consumed_kwh, compensated_kwh,
                               credit_balance_kwh, commit_lsn, lsn)
    select p_table, f.row_id, true, f.device_id, f.unit_id, f.st_measured_at, f.st_reference_month,
           f.generated_kwh, f.power_kw, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.credit_balance_kwh, f.commit_lsn, f.lsn
      from pg_temp._fe f;
end
$$;

-- fact_state rows, derived from the ledger, for energy rows that have none
-- because their only change so far was a first insert written by
-- dw._fact_typed_round: their ledger holds exactly that original, whose
-- values are the row's (device from the device version's natural key). With
-- p_all every such row of the table (before a truncate reverses all live
-- rows); otherwise the rows of the changes the general path is about to apply
-- (pending_fact up to p_w and pg_temp.stage_changes). Called before anything
-- there reads fact_state, so that the general path sees every row held.
create or replace function dw._fact_state_from_ledger(p_table text, p_w pg_lsn, p_all boolean) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    if p_table <> 'energy' then
        return 0;   -- compensation rows always have their fact_state row
    end if;
    if p_all then
        insert into dw.fact_state (source_table, source_id, live, device_id, measured_at, energy_kwh, power_kw,
                                   commit_lsn, lsn)
        select distinct on (e.source_id) 'energy', e.source_id, true, d.device_id, e.measured_at, e.generated_kwh,
               e.power_kw, e.source_commit_lsn, e.source_lsn
          from dw.fact_energy e
          left join dw.dim_devices d on d.device_key = e.device_key
         where e.source_table = 'energy'
           and not exists (select 1 from dw.fact_state s where s.source_table = 'energy' and s.source_id = e.source_id)
         order by e.source_id, e.source_commit_lsn desc, e.source_lsn desc;   -- (the latest by position, as below)
    else
        -- a probe of each index per row id (LIMIT, OFFSET 0: never a scan of the
        -- ledger or of fact_state, which a hash join would read whole every batch)
        insert into dw.fact_state (source_table, source_id, live, device_id, measured_at, energy_kwh, power_kw,
                                   commit_lsn, lsn)
        select 'energy', k.row_id, true, d.device_id, e.measured_at, e.generated_kwh,
               e.power_kw, e.source_commit_lsn, e.source_lsn
          from (select p.row_id from pg_temp.pending_mine p
                 where p.source_table = 'energy' and p.commit_lsn <= p_w and p.row_id is not null
                union
                select c.row_id from pg_temp.stage_changes c
                 where c.source_table = 'energy' and c.commit_lsn <= p_w and c.row_id is not null) k
         cross join lateral (select e.* from dw.fact_energy e
                              where e.source_table = 'energy' and e.source_id = k.row_id
                              order by e.source_commit_lsn desc, e.source_lsn desc limit 1) e
          left join dw.dim_devices d on d.device_key = e.device_key
         where not exists (select 1 from dw.fact_state s
                            where s.source_table = 'energy' and s.source_id = k.row_id offset 0);
    end if;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- Fact changes staged typed (pg_temp.stage_facts): those above the watermark
-- p_w wait in pending_fact, typed (dw._release_typed_pending brings them back);
-- those that must not take the typed round move to pg_temp.stage_changes, as
-- the jsonb image they stand for, and take the general path (rounds,
-- positions): a change at or below the table's latest truncate, of a
-- row changed elsewhere in the batch or waiting in pending_fact, of a row
-- already held (a replay), or staged twice (a re-send); and all of them when
-- p_all (transaction consistency holds changes as jsonb) or when a truncate of
-- the table is staged or pending. Returns the changes that stay typed.
create or replace function dw._route_staged_facts(p_table text, p_w pg_lsn, p_all boolean) returns bigint
language plpgsql as $$
declare
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_hi bigint;
    v_min bigint; v_max bigint; v_n bigint;
    v_range boolean;
    v_all boolean;
    v_kept bigint;
begin
    select min(f.row_id), max(f.row_id), count(*) into v_min, v_max, v_n
      from pg_temp.stage_facts f where f.source_table = p_table;
    if v_min is null then
        return 0;
    end if;
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_table
     order by a.commit_lsn desc, a.lsn desc limit 1;
    -- rows held: in fact_state, or only in the ledger (dw._fact_state_from_ledger)
    -- (ORDER BY … LIMIT 1: one index probe each, see dw.apply_fact_table)
    v_hi := greatest((select s.source_id from dw.fact_state s where s.source_table = p_table
                       order by s.source_id desc limit 1),
                     (select e.source_id from dw.fact_energy e where e.source_table = p_table
                       order by e.source_id desc limit 1));
    -- an index entry scanned costs about a twentieth of a probe
    v_range := least(v_max, v_hi) - v_min < 20 * v_n;
    v_all := p_all
        or exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't')
        -- (a truncate has no row id: pending_fact_change's index finds it)
        or exists (select 1 from pg_temp.pending_mine p where p.source_table = p_table and p.row_id is null);
    -- above the watermark: waits in pending_fact, typed
    if not v_all and exists (select 1 from pg_temp.stage_facts f where f.source_table = p_table and f.commit_lsn > p_w) then
        with deferred as (
            delete from pg_temp.stage_facts f where f.source_table = p_table and f.commit_lsn > p_w returning f.*)
        insert into dw.pending_fact (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, typed, kpartition,
                                     device_id, measured_at, energy_kwh, power_kw, unit_id, reference_month,
                                     injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
        select d.seq, d.source_table, d.op, d.row_id, d.lsn, d.commit_lsn, d.tx_id, d.commit_ts, true, d.kpartition,
               d.device_id, d.measured_at, d.energy_kwh, d.power_kw, d.unit_id, d.reference_month,
               d.injected_kwh, d.consumed_kwh, d.compensated_kwh, d.credit_balance_kwh
          from deferred d
        on conflict on constraint pending_fact_change do nothing;
    end if;
    with moved as (
        delete from pg_temp.stage_facts f
         where f.source_table = p_table
           and (v_all
                or (v_lo_commit is not null and (f.commit_lsn, f.lsn) <= (v_lo_commit, v_lo_lsn))
                or f.row_id in (select s.row_id from pg_temp.stage_changes s
                                 where s.source_table = p_table and s.row_id is not null)
                or f.row_id in (select p.row_id from pg_temp.pending_mine p
                                 where p.source_table = p_table and p.row_id is not null)
                or f.row_id in (select d.row_id from pg_temp.stage_facts d
                                 where d.source_table = p_table group by d.row_id having count(*) > 1)
                -- rows held (fact_state or the ledger): one scan of each index over
                -- the batch's id range when that range is about the batch (ids
                -- grow), else probes per row below the greatest id held
                -- (partitions consumed unevenly)
                or (v_min <= v_hi and not v_range and f.row_id <= v_hi
                    and (exists (select 1 from dw.fact_state s where s.source_table = p_table and s.source_id = f.row_id)
                         or exists (select 1 from dw.fact_energy e where e.source_table = p_table and e.source_id = f.row_id)))
                or (v_min <= v_hi and v_range
                    and (f.row_id in (select s.source_id from dw.fact_state s
                                       where s.source_table = p_table and s.source_id between v_min and least(v_max, v_hi)
                                         -- (coalesce: keeps this a hashed subplan, not a join)
                                         and coalesce(s.source_id in (select g.row_id from pg_temp.stage_facts g
                                                                       where g.source_table = p_table), false))
                         or f.row_id in (select e.source_id from dw.fact_energy e
                                          where e.source_table = p_table and e.source_id between v_min and least(v_max, v_hi)
                                            and coalesce(e.source_id in (select g.row_id from pg_temp.stage_facts g
                                                                          where g.source_table = p_table), false)))))
        returning f.*)
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
    select m.seq, m.source_table, m.op, m.row_id, m.lsn, m.commit_lsn, m.tx_id, m.commit_ts,
           dw._fact_image(m.source_table, m.row_id, m.device_id, m.measured_at, m.energy_kwh, m.power_kw, m.unit_id,
                          m.reference_month, m.injected_kwh, m.consumed_kwh, m.compensated_kwh, m.credit_balance_kwh),
           null, m.kpartition
      from moved m;
    select count(*) into v_kept from pg_temp.stage_facts f where f.source_table = p_table;
    return v_kept;
end
$$;

-- Typed fact changes in pending_fact whose commit the watermark has now
-- passed (per table: dw._fact_cutoff) go back to pg_temp.stage_facts, to be
-- routed like the batch's own.
drop function if exists dw._release_typed_pending(pg_lsn);
create or replace function dw._release_typed_pending(p_w_energy pg_lsn, p_w_compensate pg_lsn) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    with released as (
        delete from pg_temp.pending_mine p
         where p.typed and p.commit_lsn <= greatest(p_w_energy, p_w_compensate)
           and p.commit_lsn <= case p.source_table when 'energy' then p_w_energy else p_w_compensate end
        returning p.*)
    insert into pg_temp.stage_facts (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, kpartition,
                                     device_id, measured_at, energy_kwh, power_kw, unit_id, reference_month,
                                     injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
    select r.seq, r.source_table, r.op, r.row_id, r.lsn, r.commit_lsn, r.tx_id, r.commit_ts, r.kpartition,
           r.device_id, r.measured_at, r.energy_kwh, r.power_kw, r.unit_id, r.reference_month,
           r.injected_kwh, r.consumed_kwh, r.compensated_kwh, r.credit_balance_kwh
      from released r;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- The typed changes dw._route_staged_facts kept (inserts and snapshot reads,
-- the only change of rows never held, at or below the watermark): originals,
-- written in one round without reading fact_state or any jsonb. This is how
-- most facts arrive, so it is the path that sets apply's throughput.
create or replace function dw._fact_typed_round(p_table text, p_tz text) returns int
language plpgsql as $$
declare
    v_n int;
    v_energy constant boolean := p_table = 'energy';
begin
    delete from pg_temp._fe;
    insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                             st_measured_at, st_reference_month)
    select f.row_id, f.lsn, f.commit_lsn, f.commit_ts, 2 as ord, 'original'::text as entry_kind,
           case when v_energy then f.device_id end as device_id,
           case when not v_energy then f.unit_id end as unit_id,
           case when v_energy then f.measured_at
                else date_trunc('month', f.reference_month)::timestamp at time zone p_tz end as measured_at,
           case when v_energy then (f.measured_at at time zone p_tz)::date
                else date_trunc('month', f.reference_month)::date end as day,
           case when v_energy then f.energy_kwh end as generated_kwh,
           case when not v_energy then f.injected_kwh end as injected_kwh,
           case when not v_energy then f.consumed_kwh end as consumed_kwh,
           case when not v_energy then f.compensated_kwh end as compensated_kwh,
           case when v_energy then f.power_kw end as power_kw,
           case when not v_energy then f.credit_balance_kwh end as credit_balance_kwh,
           case when v_energy then f.measured_at end as st_measured_at,
           case when not v_energy then f.reference_month end as st_reference_month
      from pg_temp.stage_facts f
     where f.source_table = p_table;
    v_n := dw._fact_key_and_write(p_table);
    -- An energy row's state is its ledger original until a later change needs it
    -- (dw._fact_state_from_ledger): writing fact_state for every new reading
    -- cost a fifth of apply's time, for rows that are mostly never changed.
    -- (A compensation row's reference_month is not recoverable from the ledger,
    -- which holds the month's first day: its state is written.)
    if not v_energy then
        perform dw._fact_state_of_new(p_table);
    end if;
    perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fe');
    return v_n;
end
$$;

-- Applies the changes of pg_temp._fact_ev (one fact table; rnd numbers each
-- row's changes in order) up to p_upper (all if null), one round at a time.
--
-- Rows never held before (no fact_state row) that change once in the batch,
-- by an insert or snapshot read (_fact_ev.is_new), are split off and
-- written in one round without reading fact_state (dw._fact_round's p_new):
-- that is how most fact rows arrive. A row's changes are never split between
-- the two, and rows are independent of each other, so the order between them
-- does not matter.
create or replace function dw._fact_segment(p_table text, p_tz text, p_upper_commit pg_lsn, p_upper_lsn pg_lsn)
returns int language plpgsql as $$
declare
    v_min int;
    v_max int;
    v_all bigint;
    v_new bigint;
    v_n int := 0;
begin
    drop table if exists _fact_seg;
    if p_upper_commit is null then
        alter table pg_temp._fact_ev rename to _fact_seg;
    else
        create temp table _fact_seg on commit drop as
        select * from pg_temp._fact_ev e where (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);
        delete from pg_temp._fact_ev e where (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);
    end if;
    select min(e.rnd), max(e.rnd), count(*), count(*) filter (where e.is_new)
      into v_min, v_max, v_all, v_new
      from pg_temp._fact_seg e;
    if v_all = 0 then
        return 0;
    end if;
    if v_new > 0 then
        drop table if exists _fact_in;
        if v_new = v_all then
            alter table pg_temp._fact_seg rename to _fact_in;
        else
            create temp table _fact_in on commit drop as
            select * from pg_temp._fact_seg e where e.is_new;
            delete from pg_temp._fact_seg e where e.is_new;
        end if;
        v_n := v_n + dw._fact_round(p_table, p_tz, true);
        if v_new = v_all then
            return v_n;
        end if;
        select min(e.rnd), max(e.rnd) into v_min, v_max from pg_temp._fact_seg e;
    end if;
    for r in v_min .. v_max loop
        drop table if exists _fact_in;
        if v_min = v_max then
            alter table pg_temp._fact_seg rename to _fact_in;
        else
            create temp table _fact_in on commit drop as
            select * from pg_temp._fact_seg where rnd = r;
            continue when not exists (select 1 from pg_temp._fact_in);
        end if;
        analyze pg_temp._fact_in;
        v_n := v_n + dw._fact_round(p_table, p_tz, false);
    end loop;
    return v_n;
end
$$;

-- Applies the fact changes of one table with commit_lsn <= p_w, from
-- dw.pending_fact and from the staging table (changes ready on arrival never
-- go through pending_fact).
create or replace function dw.apply_fact_table(p_table text, p_tz text, p_w pg_lsn) returns int
language plpgsql as $$
declare
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_hi bigint;
    v_n int := 0;
    t record;
begin
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_table
     order by a.commit_lsn desc, a.lsn desc limit 1;

    -- new changes: deduplicated and above the latest truncate (changes at or
    -- below the row's applied position are dropped by _fact_round)
    -- is_new: the row's only change, an insert or snapshot read, of a row never
    -- held (no fact_state row: one probe of its key, none above the greatest id
    -- held); such rows are written without reading fact_state again
    -- ORDER BY … LIMIT 1, not max(): plpgsql caches a generic plan made while
    -- fact_state was small, and that plan aggregated over every row of the table
    -- (150 ms per batch at 1,000,000 rows); this form is always one index probe.
    -- rows known only from their ledger original get their fact_state row first
    -- (all of them when a truncate is to be applied: it reverses every live row)
    perform dw._fact_state_from_ledger(p_table, p_w,
        exists (select 1 from pg_temp.pending_mine p where p.source_table = p_table and p.commit_lsn <= p_w and p.op = 't')
        or exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.commit_lsn <= p_w and s.op = 't'));
    select s.source_id into v_hi from dw.fact_state s where s.source_table = p_table
     order by s.source_id desc limit 1;
    drop table if exists _fact_ev;
    create temp table _fact_ev on commit drop as
    select y.*,
           y.n_changes = 1 and y.op in ('c', 'r')
           and (y.row_id > coalesce(v_hi, -1)
                or not exists (select 1 from dw.fact_state s
                                where s.source_table = p_table and s.source_id = y.row_id offset 0)) as is_new
      from (
    select x.*, row_number() over (partition by x.row_id order by x.commit_lsn, x.lsn)::int as rnd,
           count(*) over (partition by x.row_id)::int as n_changes
      from (select distinct on (a.row_id, a.commit_lsn, a.lsn) a.row_id, a.op, a.commit_lsn, a.lsn, a.commit_ts, a.after
              from (select p.row_id, p.op, p.commit_lsn, p.lsn, p.commit_ts, p.after, p.seq
                      from pg_temp.pending_mine p
                     where p.source_table = p_table and p.commit_lsn <= p_w and p.op <> 't'
                    union all
                    select s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after, s.seq
                      from pg_temp.stage_changes s
                     where s.source_table = p_table and s.commit_lsn <= p_w and s.op <> 't') a
             where v_lo_commit is null or (a.commit_lsn, a.lsn) > (v_lo_commit, v_lo_lsn)
             order by a.row_id, a.commit_lsn, a.lsn, a.seq) x) y;

    for t in select distinct a.commit_lsn, a.lsn, a.commit_ts
               from (select p.commit_lsn, p.lsn, p.commit_ts from pg_temp.pending_mine p
                      where p.source_table = p_table and p.commit_lsn <= p_w and p.op = 't'
                     union all
                     select s.commit_lsn, s.lsn, s.commit_ts from pg_temp.stage_changes s
                      where s.source_table = p_table and s.commit_lsn <= p_w and s.op = 't') a
              where true
                and not exists (select 1 from dw.applied_truncate x
                                 where x.source_table = p_table and x.commit_lsn = a.commit_lsn and x.lsn = a.lsn)
              order by a.commit_lsn, a.lsn loop
        v_n := v_n + dw._fact_segment(p_table, p_tz, t.commit_lsn, t.lsn);
        -- the truncate reverses every row live before it. A row whose held
        -- position is after it came in later, through a partition read
        -- before the truncate's (a truncate has no key): it stays.
        drop table if exists _fact_in;
        create temp table _fact_in on commit drop as
        select s.source_id as row_id, 'd'::char(1) as op, t.commit_lsn as commit_lsn, t.lsn as lsn,
               t.commit_ts as commit_ts, null::jsonb as after
          from dw.fact_state s where s.source_table = p_table and s.live
           and (s.commit_lsn, s.lsn) < (t.commit_lsn, t.lsn);
        v_n := v_n + dw._fact_round(p_table, p_tz, false);
        insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
        values (p_table, t.commit_lsn, t.lsn, t.commit_ts) on conflict do nothing;
        perform dw._quarantine_truncated(p_table, t.commit_lsn, t.lsn);
    end loop;
    v_n := v_n + dw._fact_segment(p_table, p_tz, null, null);
    return v_n;
end
$$;
