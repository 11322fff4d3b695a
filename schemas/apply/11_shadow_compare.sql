-- ---------------------------------------------------------------------------
-- Shadow comparison (the monthly backup verification)
-- ---------------------------------------------------------------------------

-- Compares the live warehouse (dw) with p_shadow, a warehouse rebuilt from the
-- topics into another schema (helio's shadow_rebuild job): what the two hold
-- must be the same, since both were built from the same log. Only what both
-- have seen is compared: rows whose latest change in dw is at or before the
-- last change the shadow applied (dw may have gone on while the shadow was
-- built). Rows an operator released or dropped from quarantine in dw are left
-- out: those decisions are not in the topics. Compared: each fact source row's
-- ledger sums, each dimension's current members (their data columns, deleted
-- or not), each unit-day's climate. Returns one row per difference.
create or replace function dw.compare_with_shadow(p_shadow text)
returns table (check_name text, key text, detail text)
language plpgsql as $$
declare
    v_cutoff pg_lsn;
    v_dim record;
    v_cols text[];
    v_list text;
begin
    if p_shadow is null or p_shadow = 'dw' or to_regclass(format('%I.fact_energy', p_shadow)) is null then
        raise exception 'helio: % holds no rebuilt warehouse', p_shadow using errcode = '22023';
    end if;
    execute format('select greatest((select max(source_lsn) from %1$I.fact_energy), (select max(source_lsn) from %1$I.dim_users),
                                    (select max(source_lsn) from %1$I.dim_units), (select max(source_lsn) from %1$I.dim_devices),
                                    (select max(source_lsn) from %1$I.irradiance_mirror))', p_shadow) into v_cutoff;
    if v_cutoff is null then
        return;   -- the shadow holds nothing yet
    end if;
    drop table if exists _decided;
    create temp table _decided on commit drop as
    select distinct q.source_table, q.row_id from dw.quarantine q where q.status in ('released', 'dropped');

    -- facts: ledger sums per source row
    return query execute format($q$
        with live as (
            select source_table::text as t, source_id, sum(generated_kwh) g, sum(injected_kwh) i, sum(consumed_kwh) c,
                   sum(compensated_kwh) k, max(source_lsn) as last
              from dw.fact_energy group by 1, 2),
        shadow as (
            select source_table::text as t, source_id, sum(generated_kwh) g, sum(injected_kwh) i, sum(consumed_kwh) c,
                   sum(compensated_kwh) k
              from %I.fact_energy group by 1, 2)
        select 'fact_energy sums'::text, coalesce(l.t, s.t) || ' ' || coalesce(l.source_id, s.source_id),
               case when l.t is null then 'in the shadow only' when s.t is null then 'in the live warehouse only'
                    else format('live %%s/%%s/%%s/%%s, shadow %%s/%%s/%%s/%%s', l.g, l.i, l.c, l.k, s.g, s.i, s.c, s.k) end
          from live l full join shadow s on s.t = l.t and s.source_id = l.source_id
         where (l.last is null or l.last <= $1)
           and not exists (select 1 from _decided d where d.source_table = coalesce(l.t, s.t) and d.row_id = coalesce(l.source_id, s.source_id))
           and (l.t is null or s.t is null or (l.g, l.i, l.c, l.k) is distinct from (s.g, s.i, s.c, s.k))
         order by 2 $q$, p_shadow) using v_cutoff;

    -- dimensions: current members
    for v_dim in select * from (values ('dim_users', 'user_id', 'user_key', 'users'), ('dim_units', 'unit_id', 'unit_key', 'units'),
                                       ('dim_devices', 'device_id', 'device_key', 'devices')) d(dim, nk, sk, src) loop
        v_cols := dw.dim_data_columns(v_dim.dim, v_dim.nk, v_dim.sk) || array['is_deleted'];
        v_list := array_to_string(array(select format('%I', c) from unnest(v_cols) c), ', ');
        return query execute format($q$
            select %1$L::text, (coalesce(l.%3$I, s.%3$I))::text,
                   case when l.%3$I is null then 'in the shadow only' when s.%3$I is null then 'in the live warehouse only'
                        else 'current version differs' end
              from (select %3$I, source_lsn, row(%4$s) as v from dw.%2$I where is_current) l
              full join (select %3$I, row(%4$s) as v from %5$I.%2$I where is_current) s on s.%3$I = l.%3$I
             where (l.source_lsn is null or l.source_lsn <= $1)
               and not exists (select 1 from _decided d where d.source_table = %6$L and d.row_id = coalesce(l.%3$I, s.%3$I))
               and (l.%3$I is null or s.%3$I is null or l.v::text is distinct from s.v::text)
             order by 2 $q$, v_dim.dim, v_dim.dim, v_dim.nk, v_list, p_shadow, v_dim.src) using v_cutoff;
    end loop;

    -- climate per unit-day
    return query execute format($q$
        select 'dim_day_climate'::text, coalesce(l.unit_id, s.unit_id) || ' ' || coalesce(l.day, s.day),
               case when l.unit_id is null then 'in the shadow only' when s.unit_id is null then 'in the live warehouse only'
                    else format('live %%s readings (sum %%s), shadow %%s (sum %%s)', l.sample_count, l.sum_irradiance_wm2,
                                s.sample_count, s.sum_irradiance_wm2) end
          from dw.dim_day_climate l full join %I.dim_day_climate s on s.unit_id = l.unit_id and s.day = l.day
         where (l.source_lsn is null or l.source_lsn <= $1)
           and (l.unit_id is null or s.unit_id is null
                or (l.sample_count, l.sum_irradiance_wm2, l.peak_irradiance_wm2) is distinct from
                   (s.sample_count, s.sum_irradiance_wm2, s.peak_irradiance_wm2))
         order by 2 $q$, p_shadow) using v_cutoff;
end
$$;
