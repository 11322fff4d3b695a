-- ---------------------------------------------------------------------------
-- Data quality (docs/operations.md "Data quality")
-- ---------------------------------------------------------------------------

-- dw._quality_check evaluates the batch's quality rules (apply_staged puts them
-- in the setting helio.quality, transaction-local) over the rows about to be written: the
-- ledger entries of pg_temp._fe (p_target '_fe', fact tables) or the readings
-- of pg_temp._ir (p_target '_ir', irradiance). One statement per call, built
-- from the rules: a scan of the batch's rows, and work only for those failing.
-- A rule of severity flag writes its name into the row's quality_flags; warn
-- only counts; quarantine keeps the change out: it goes to dw.quarantine and
-- every entry of its row leaves the target (the row ids in pg_temp._qrows), so
-- that the row's state stays what the ledger holds. With helio.quality's
-- `release` (dw.quality_release) quarantine rules act as flags. Counts per table
-- and rule accumulate in pg_temp._qcount.
-- Reversals and deletes are not checked (they carry no new values). Values
-- checked are the row's new values: a correction's full values, not its deltas.
-- future_skew compares with the change's commit time, not now(), so that a
-- replay or a rebuild from the topics reaches the same results.
drop function if exists dw._quality_check(text, text);
-- The statement that fills pg_temp._qhit with the target's rows failing p_table's
-- rules (null when no rule applies to p_table), and whether a rule of it
-- quarantines. On its own so that Tests/SQL can see the plan a batch gets.
create or replace function dw._quality_hits_sql(p_table text, p_target text, out sql text, out quarantines boolean)
language plpgsql as $$
declare
    v_q jsonb := nullif(current_setting('helio.quality', true), '')::jsonb;
    r jsonb;
    v_col text;
    v_type text;
    v_cond text;
    v_flags text[] := '{}';
    v_warns text[] := '{}';
    v_quars text[] := '{}';
    v_any text[] := '{}';
    v_join text := '';
    v_minutes numeric;
begin
    quarantines := false;
    if v_q is null or jsonb_array_length(v_q->'rules') = 0 then
        return;
    end if;
    v_minutes := coalesce((v_q->>'sample_minutes')::numeric, 15);
    for r in select x from jsonb_array_elements(v_q->'rules') x where x->>'table' = p_table loop
        -- the column's new value in the target, and its type
        select c.expr, c.typ into v_col, v_type
          from (values
            ('_fe', 'device_id', 'f.device_id', 'bigint'),
            ('_fe', 'unit_id', 'f.unit_id', 'bigint'),
            ('_fe', 'measured_at', 'f.measured_at', 'timestamptz'),
            ('_fe', 'reference_month', 'f.day', 'date'),
            ('_fe', 'energy_kwh', 'case when f.entry_kind = ''correction'' then f.fv_generated_kwh else f.generated_kwh end', 'numeric'),
            ('_fe', 'injected_kwh', 'case when f.entry_kind = ''correction'' then f.fv_injected_kwh else f.injected_kwh end', 'numeric'),
            ('_fe', 'consumed_kwh', 'case when f.entry_kind = ''correction'' then f.fv_consumed_kwh else f.consumed_kwh end', 'numeric'),
            ('_fe', 'compensated_kwh', 'case when f.entry_kind = ''correction'' then f.fv_compensated_kwh else f.compensated_kwh end', 'numeric'),
            ('_fe', 'power_kw', 'f.power_kw', 'numeric'),
            ('_fe', 'credit_balance_kwh', 'f.credit_balance_kwh', 'numeric'),
            ('_ir', 'unit_id', 'f.unit_id', 'bigint'),
            ('_ir', 'device_id', 'f.device_id', 'bigint'),
            ('_ir', 'measured_at', 'f.measured_at', 'timestamptz'),
            ('_ir', 'irradiance_wm2', 'f.irradiance_wm2', 'numeric'),
            ('_ir', 'module_temp_c', 'f.module_temp_c', 'numeric'),
            ('_ir', 'ambient_temp_c', 'f.ambient_temp_c', 'numeric')) c(target, col, expr, typ)
         where c.target = p_target and c.col = r->>'column';
        if v_col is null then
            raise exception 'helio: quality rule % names % of %, which cannot be checked', r->>'name', r->>'column', p_table
                using errcode = '22023';
        end if;
        v_cond := case r->>'kind'
            when 'not_null' then format('%s is null', v_col)
            when 'range' then concat_ws(' or ',
                case when r->>'min' is not null then format('%s < %L::%s', v_col, r->>'min', v_type) end,
                case when r->>'max' is not null then format('%s > %L::%s', v_col, r->>'max', v_type) end)
            when 'allowed' then format('not (%s = any (%L::%s[]))', v_col,
                                       array(select jsonb_array_elements_text(r->'values')), v_type)
            -- the value's text (numbers as stored, with their scale) must match
            when 'pattern' then format('not (%s::text ~ %L)', v_col, r->>'pattern')
            when 'future_skew' then format('%s > f.commit_ts + make_interval(secs => %L::double precision)',
                                           v_col, r->>'seconds')
            -- energy in an interval ≤ the device's nominal power (its version valid at the
            -- reading's time) × the interval × a tolerance
            when 'nominal_power' then format('%s > q.nominal_power_kw * %s / 60.0 * %L::numeric',
                                             v_col, v_minutes, r->>'tolerance')
            -- compensated ≤ injected + credit
            when 'within_credit' then format('%s > coalesce(case when f.entry_kind = ''correction'' then f.fv_injected_kwh else f.injected_kwh end, 0) + coalesce(f.credit_balance_kwh, 0)', v_col)
        end;
        if v_cond is null or v_cond = '' then
            raise exception 'helio: quality rule % has an unknown kind or no bounds', r->>'name' using errcode = '22023';
        end if;
        if r->>'kind' = 'nominal_power' and v_join = '' then
            v_join := ' left join (select d.device_id, d.nominal_power_kw,'
                   || ' case when d.version = 1 then ''-infinity''::timestamptz else d.valid_from end as vf,'
                   || ' coalesce(d.valid_to, ''infinity'') as vt'
                   || ' from dw.dim_devices d where d.nominal_power_kw is not null'
                   -- (the batch's devices: _dv, made by dw._fact_key_and_write, lists each once)
                   || ' and d.device_id in (select distinct x.device_id from pg_temp._dv x)) q'
                   || ' on q.device_id = f.device_id and f.measured_at >= q.vf and f.measured_at < q.vt';
        end if;
        v_cond := format('coalesce(%s, false)', v_cond);
        v_any := v_any || v_cond;
        if r->>'severity' = 'warn' then
            v_warns := v_warns || format('case when %s then %L end', v_cond, r->>'name');
        elsif r->>'severity' = 'quarantine' and not coalesce((v_q->>'release')::boolean, false) then
            v_quars := v_quars || format('case when %s then %L end', v_cond, r->>'name');
        else
            v_flags := v_flags || format('case when %s then %L end', v_cond, r->>'name');
        end if;
    end loop;
    if cardinality(v_any) = 0 then
        return;
    end if;
    quarantines := cardinality(v_quars) > 0;
    sql := format('insert into pg_temp._qhit (target_ctid, flags, warns, quars)'
                  ' select f.ctid, array_remove(array[%s]::text[], null), array_remove(array[%s]::text[], null),'
                  ' array_remove(array[%s]::text[], null)'
                  ' from pg_temp.%I f%s where %s and (%s)',
                  coalesce(array_to_string(v_flags, ', '), ''), coalesce(array_to_string(v_warns, ', '), ''),
                  coalesce(array_to_string(v_quars, ', '), ''),
                  p_target, v_join,
                  -- (_fe: the new values, ord 2, written as entry_kind <> 'reversal', which
                  -- is the same rows: _fe is never analyzed, and the planner guesses an
                  -- equality at 0.5 % of the rows; a batch of under ~1,100 readings then
                  -- became a nested loop rescanning the batch's device list per reading,
                  -- 122 ms instead of 15 in bench/latency at 5,000/s)
                  case p_target when '_fe' then 'f.entry_kind <> ''reversal''' else 'f.op <> ''d''' end,
                  array_to_string(v_any, ' or '));
end
$$;

create or replace function dw._quality_check(p_table text, p_target text, p_store boolean default true) returns void
language plpgsql as $$
declare
    v_hits record;
begin
    delete from pg_temp._qrows;
    delete from pg_temp._qhit;
    v_hits := dw._quality_hits_sql(p_table, p_target);
    if v_hits.sql is null then
        return;
    end if;
    execute v_hits.sql;
    -- (first: the ctids of _qhit are those of the rows before the update below)
    if v_hits.quarantines then
        perform dw._quarantine(p_table, p_target);
    end if;
    -- (p_store false: the caller reads the flags from _qhit by ctid as it writes the rows,
    -- which spares rewriting every flagged row of the temp table)
    if p_store then
        execute format('update pg_temp.%I f set quality_flags = h.flags from pg_temp._qhit h'
                       ' where f.ctid = h.target_ctid and cardinality(h.flags) > 0', p_target);
    end if;
    insert into pg_temp._qcount (source_table, rule, n)
    select p_table, u.rule, count(*) from pg_temp._qhit h, unnest(h.flags || h.warns || h.quars) u(rule)
     group by u.rule;
end
$$;

-- Moves the changes of pg_temp._qhit that failed a quarantine rule out of the
-- target (_fe: every entry of their row; _ir: the reading) into dw.quarantine,
-- with the values apply would have written (what dw.quality_release stages
-- again). Idempotent: a replay finds the entry there already.
create or replace function dw._quarantine(p_table text, p_target text) returns void
language plpgsql as $$   -- (plpgsql: the temp tables do not exist when this is created)
begin
    if p_target = '_fe' then
        insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules, flags)
        select p_table, f.row_id, f.commit_lsn, f.lsn, case f.entry_kind when 'correction' then 'u' else 'c' end,
               f.commit_ts,
               -- (a correction's measures are deltas: its full values are fv_*)
               dw._fact_image(p_table, f.row_id, f.device_id, f.st_measured_at,
                              case when f.entry_kind = 'correction' then f.fv_generated_kwh else f.generated_kwh end,
                              f.power_kw, f.unit_id, f.st_reference_month,
                              case when f.entry_kind = 'correction' then f.fv_injected_kwh else f.injected_kwh end,
                              case when f.entry_kind = 'correction' then f.fv_consumed_kwh else f.consumed_kwh end,
                              case when f.entry_kind = 'correction' then f.fv_compensated_kwh else f.compensated_kwh end,
                              f.credit_balance_kwh),
               h.quars, nullif(h.flags, '{}')
          from pg_temp._qhit h join pg_temp._fe f on f.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict on constraint quarantine_change do nothing;
        insert into pg_temp._qrows (row_id)
        select distinct f.row_id from pg_temp._qhit h join pg_temp._fe f on f.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict do nothing;
        delete from pg_temp._fe f where f.row_id in (select q.row_id from pg_temp._qrows q);
    else
        insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules, flags)
        select p_table, i.id, i.commit_lsn, i.lsn, i.op, i.commit_ts,
               jsonb_build_object('id', i.id, 'unit_id', i.unit_id, 'device_id', i.device_id,
                                  'measured_at', i.measured_at, 'irradiance_wm2', i.irradiance_wm2,
                                  'module_temp_c', i.module_temp_c, 'ambient_temp_c', i.ambient_temp_c),
               h.quars, nullif(h.flags, '{}')
          from pg_temp._qhit h join pg_temp._ir i on i.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict on constraint quarantine_change do nothing;
        insert into pg_temp._qrows (row_id)
        select distinct i.id from pg_temp._qhit h join pg_temp._ir i on i.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict do nothing;
        delete from pg_temp._ir i where i.id in (select q.row_id from pg_temp._qrows q);
    end if;
    -- a row's latest entry is the one held
    update dw.quarantine q set status = 'superseded', decided_at = now()
     where q.source_table = p_table and q.status = 'held' and q.error is null
       and q.row_id in (select r.row_id from pg_temp._qrows r)
       and exists (select 1 from dw.quarantine y
                    where y.source_table = p_table and y.status = 'held' and y.row_id = q.row_id
                      and (y.commit_lsn, y.lsn) > (q.commit_lsn, q.lsn));
end
$$;

-- A truncate supersedes every held quarantine entry of its table before it.
create or replace function dw._quarantine_truncated(p_table text, p_commit pg_lsn, p_lsn pg_lsn) returns void
language sql as $$
    update dw.quarantine q set status = 'superseded', decided_at = now()
     where q.source_table = p_table and q.status = 'held' and (q.commit_lsn, q.lsn) < (p_commit, p_lsn)
$$;

-- Marks superseded the held quarantine entries of the rows whose later change
-- (p_rows: row id, commit position, position) this round applied.
create or replace function dw._quarantine_supersede(p_table text, p_rows text) returns void
language plpgsql as $$
begin
    if not exists (select 1 from dw.quarantine q where q.source_table = p_table and q.status = 'held' and q.error is null) then
        return;
    end if;
    execute format('update dw.quarantine q set status = ''superseded'', decided_at = now()'
                   ' from (%s) x(row_id, commit_lsn, lsn)'
                   ' where q.source_table = $1 and q.status = ''held'' and q.error is null and q.row_id = x.row_id'
                   ' and (q.commit_lsn, q.lsn) < (x.commit_lsn, x.lsn)'
                   ' and not exists (select 1 from pg_temp._qrows r where r.row_id = x.row_id)', p_rows)
    using p_table;
end
$$;

-- Operator's release of held quarantine entries (helio quality release): the
-- entries of p_table (all tables if null) that failed p_rule (any rule if
-- null), committed at or after p_since, with the other held entries of their
-- rows, are applied as they would have been, their quarantine rules written as
-- flags, and marked released by p_by. A rule's held entry is its row's latest,
-- with no later change applied; an apply error's entry and those behind it are
-- the row's changes from there on: each applies in order. Idempotent: released entries are no longer
-- held. Returns {released, apply}.
create or replace function dw.quality_release(p_table text, p_rule text, p_since timestamptz, p_config jsonb,
                                              p_by text) returns jsonb
language plpgsql as $$
declare
    v_n int;
    v_stats jsonb;
begin
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.exclusive', 'on', true);   -- (dw._take_apply_lock: stays exclusive)
    perform dw.create_staging();
    drop table if exists _release;
    -- (a row's held changes go together, in source order: those behind an apply
    -- error would otherwise wait behind what is being released)
    create temp table _release on commit drop as
    select q.source_table, q.row_id, q.commit_lsn, q.lsn, q.commit_ts, q.after, q.before, q.tx_id,
           case when q.error is null then 'u' else q.op end as op
      from dw.quarantine q
     where q.status = 'held'
       and (q.source_table, q.row_id) in (
           select x.source_table, x.row_id from dw.quarantine x
            where x.status = 'held'
              and (p_table is null or x.source_table = p_table)
              and (p_rule is null or p_rule = any (x.rules))
              and (p_since is null or x.commit_ts >= p_since));
    -- (a poison record's placeholder, op x, has nothing to apply: it is dropped, what waited
    -- behind it is applied)
    update dw.quarantine q set status = case when q.op = 'x' then 'dropped' else 'released' end,
                               decided_at = now(), decided_by = p_by
      from _release r
     where q.source_table = r.source_table and q.row_id = r.row_id and q.commit_lsn = r.commit_lsn
       and q.lsn = r.lsn and q.status = 'held';
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select row_number() over (order by r.commit_lsn, r.lsn), r.source_table, r.op, nullif(r.row_id, -1), r.lsn,
           r.commit_lsn, r.tx_id, r.commit_ts, nullif(r.after, '{}'::jsonb), r.before
      from _release r where r.op <> 'x';
    get diagnostics v_n = row_count;
    if v_n > 0 then
        -- (transaction consistency and Debezium's form: these changes' transactions
        -- were complete and positioned when they were quarantined)
        -- (an apply error that still fails fails the release: nothing is marked released)
        v_stats := dw.apply_staged(coalesce(p_config, '{}'::jsonb)
                                   || '{"quality_release": true, "transaction_consistency": false, "debezium_form": false}');
    end if;
    return jsonb_build_object('released', v_n, 'apply', v_stats);
end
$$;

-- Operator's drop of held quarantine entries (helio quality drop): same
-- selection as dw.quality_release; the changes are never applied. Idempotent.
create or replace function dw.quality_drop(p_table text, p_rule text, p_since timestamptz, p_by text) returns int
language plpgsql as $$
declare
    v_n int;
begin
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.exclusive', 'on', true);   -- (dw._take_apply_lock: stays exclusive)
    update dw.quarantine q set status = 'dropped', decided_at = now(), decided_by = p_by
     where q.status = 'held'
       and (p_table is null or q.source_table = p_table)
       and (p_rule is null or p_rule = any (q.rules))
       and (p_since is null or q.commit_ts >= p_since);
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- This batch's violations per table and rule, for apply_staged's stats.
create or replace function dw._quality_counts() returns jsonb
language plpgsql as $$   -- (plpgsql: the temp table does not exist when this is created)
begin
    return (select coalesce(jsonb_agg(jsonb_build_object('table', c.source_table, 'rule', c.rule, 'n', c.n)
                                      order by c.source_table, c.rule), '[]'::jsonb)
              from (select source_table, rule, sum(n)::bigint as n from pg_temp._qcount group by 1, 2) c);
end
$$;

-- The scheduled re-check (helio's quality_recheck job, the seed's weekly
-- validation): every fact source row and reading changed since p_since is
-- judged again, on its current values as the warehouse holds them (a fact row's
-- ledger sum and its latest entry's attribution; a reading's mirror values),
-- with the rules of p_config as flags, and the result compared with the flags
-- stored when it was applied. A difference is a violation the warehouse does
-- not show (a rule added since, a flag lost) or a flag that no longer holds
-- (a rule relaxed, a value changed under it). Read-only: nothing is written.
-- Returns {checked, differences: [{table, row_id, rule, kind: unflagged|stale}]}.
create or replace function dw.quality_recheck(p_config jsonb, p_since timestamptz) returns jsonb
language plpgsql as $$
declare
    v_cfg jsonb := dw.effective_config(p_config);
    v_checked bigint := 0;
    v_n bigint;
    t text;
begin
    perform dw.create_staging();
    perform set_config('helio.quality', jsonb_build_object('rules', v_cfg->'quality_rules',
                                                           'sample_minutes', v_cfg->'sample_minutes',
                                                           'release', true)::text, true);
    drop table if exists _recheck;
    create temp table _recheck (source_table text, row_id bigint, rule text, kind text) on commit drop;
    foreach t in array array['energy', 'energy_compensate'] loop
        delete from pg_temp._fe;
        delete from pg_temp._dv;
        drop table if exists _stored;
        -- each row's latest entry that is not a reversal, and the ledger sums
        create temp table _stored on commit drop as
        select l.source_id, l.quality_flags, l.device_key, l.unit_key, l.measured_at, l.power_kw, l.credit_balance_kwh,
               l.source_commit_ts, l.source_commit_lsn, l.source_lsn, s.generated, s.injected, s.consumed, s.compensated
          from (select distinct on (f.source_id) f.*
                  from dw.fact_energy f
                 where f.source_table = t and f.entry_kind <> 'reversal'
                   and f.source_id in (select x.source_id from dw.fact_energy x
                                        where x.source_table = t and x.source_commit_ts >= p_since)
                 order by f.source_id, f.source_commit_lsn desc, f.source_lsn desc, f.energy_fact_id desc) l
          join (select f.source_id, sum(f.generated_kwh) as generated, sum(f.injected_kwh) as injected,
                       sum(f.consumed_kwh) as consumed, sum(f.compensated_kwh) as compensated,
                       (array_agg(f.entry_kind order by f.source_commit_lsn desc, f.source_lsn desc, f.energy_fact_id desc))[1] as last_kind
                  from dw.fact_energy f where f.source_table = t group by f.source_id) s
            on s.source_id = l.source_id
         where s.last_kind <> 'reversal';   -- a row deleted since is not judged
        insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day,
                                 generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh)
        select st.source_id, st.source_lsn, st.source_commit_lsn, st.source_commit_ts, 2, 'original',
               d.device_id, u.unit_id, st.measured_at,
               case when t = 'energy' then (st.measured_at at time zone (v_cfg->>'timezone'))::date
                    else date_trunc('month', st.measured_at at time zone (v_cfg->>'timezone'))::date end,
               st.generated, st.injected, st.consumed, st.compensated,
               st.power_kw, st.credit_balance_kwh
          from _stored st
          left join dw.dim_devices d on d.device_key = st.device_key
          left join dw.dim_units u on u.unit_key = st.unit_key;
        insert into pg_temp._dv (device_id) select distinct device_id from pg_temp._fe where device_id is not null;
        perform dw._quality_check(t, '_fe');
        insert into _recheck
        select t, e.row_id, r.rule, 'unflagged' from pg_temp._fe e join _stored st on st.source_id = e.row_id,
               unnest(coalesce(e.quality_flags, '{}')) r(rule)
         where not r.rule = any (coalesce(st.quality_flags, '{}'))
        union all
        select t, e.row_id, r.rule, 'stale' from pg_temp._fe e join _stored st on st.source_id = e.row_id,
               unnest(coalesce(st.quality_flags, '{}')) r(rule)
         where not r.rule = any (coalesce(e.quality_flags, '{}'))
           and r.rule in (select x->>'name' from jsonb_array_elements(v_cfg->'quality_rules') x);
        select count(*) into v_n from _stored;
        v_checked := v_checked + v_n;
    end loop;
    drop table if exists _ir;
    create temp table _ir on commit drop as
    select m.id, 'u'::char(1) as op, m.commit_lsn, m.source_lsn as lsn, m.source_commit_ts as commit_ts, m.unit_id, m.device_id,
           m.measured_at, m.irradiance_wm2, m.module_temp_c, m.ambient_temp_c, null::text[] as quality_flags,
           m.quality_flags as stored_flags
      from dw.irradiance_mirror m where not m.deleted and m.source_commit_ts >= p_since;
    perform dw._quality_check('irradiance', '_ir');
    insert into _recheck
    select 'irradiance', i.id, r.rule, 'unflagged' from pg_temp._ir i, unnest(coalesce(i.quality_flags, '{}')) r(rule)
     where not r.rule = any (coalesce(i.stored_flags, '{}'))
    union all
    select 'irradiance', i.id, r.rule, 'stale' from pg_temp._ir i, unnest(coalesce(i.stored_flags, '{}')) r(rule)
     where not r.rule = any (coalesce(i.quality_flags, '{}'))
       and r.rule in (select x->>'name' from jsonb_array_elements(v_cfg->'quality_rules') x);
    select count(*) into v_n from pg_temp._ir;
    v_checked := v_checked + v_n;
    return jsonb_build_object('checked', v_checked,
        'differences', coalesce((select jsonb_agg(jsonb_build_object('table', r.source_table, 'row_id', r.row_id,
                                                                     'rule', r.rule, 'kind', r.kind)
                                                  order by r.source_table, r.row_id, r.rule) from _recheck r), '[]'::jsonb));
end
$$;
