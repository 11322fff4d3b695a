-- ---------------------------------------------------------------------------
-- Climate
-- ---------------------------------------------------------------------------

-- Takes the climate locks of these buckets, in ascending order (two appliers taking
-- overlapping sets in the same order cannot deadlock).
create or replace function dw._lock_climate_buckets(p_buckets int[]) returns void
language plpgsql as $$
declare
    v_b int;
begin
    for v_b in select b from unnest(p_buckets) b order by b loop
        perform pg_advisory_xact_lock(hashtext('helio.dw.climate'), v_b);
    end loop;
end
$$;

-- Applies staged irradiance changes to dw.irradiance_mirror and recomputes the
-- touched (unit, local day) rows of dw.dim_day_climate. The mirror row holds
-- its last applied position (a deleted reading stays as a tombstone that keeps
-- its last unit and day), so duplicates are skipped without a separate
-- position table. Returns the number of changes applied.
--
-- The result must not depend on how the changes were cut into batches, nor on
-- the order in which partitions reach the warehouse (see docs/architecture.md,
-- "The daily climate"):
--   * a truncate removes exactly the readings whose latest applied change is
--     before it in source order; a reading whose later change reached the
--     warehouse first (through another partition: a truncate has no key, so it
--     travels on a partition of its own) stays;
--   * every unit-day that any reading of the batch passed through gets its row,
--     not only the days of each reading's last state: a reading inserted and
--     deleted (or moved on, or truncated) inside one batch leaves its unit-day
--     with sample_count 0, as it would have with one change per batch.
create or replace function dw.apply_irradiance(p_tz text, p_minutes numeric) returns int
language plpgsql as $$
declare
    v_ph constant text := '__debezium_unavailable_value';
    v_new_truncates int;
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn; v_lo_ts timestamptz;
    v_n int;
begin
    drop table if exists _ir_touch;
    create temp table _ir_touch (unit_id bigint, day date, lsn pg_lsn, commit_ts timestamptz) on commit drop;

    -- every reading image of the batch touches its unit-day, whether it is
    -- applied, superseded by a truncate or a repeat (a repeat touches a row
    -- that exists already: recomputing it changes nothing)
    insert into _ir_touch
    select distinct on (u, d) u, d, s.lsn, s.commit_ts
      from pg_temp.stage_changes s
     cross join lateral (select case when s.after->>'unit_id' <> v_ph then (s.after->>'unit_id')::bigint end as u,
                                case when s.after->>'measured_at' <> v_ph
                                     then ((s.after->>'measured_at')::timestamptz at time zone p_tz)::date end as d) x
     where s.source_table = 'irradiance' and s.op in ('c', 'u', 'r') and s.after is not null
       and x.u is not null and x.d is not null
     order by u, d, s.commit_lsn desc, s.lsn desc;

    -- new truncates are recorded; then the latest removes the readings before it
    insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
    select distinct 'irradiance', s.commit_lsn, s.lsn, s.commit_ts from pg_temp.stage_changes s
     where s.source_table = 'irradiance' and s.op = 't'
    on conflict do nothing;
    get diagnostics v_new_truncates = row_count;
    select a.commit_lsn, a.lsn, a.commit_ts into v_lo_commit, v_lo_lsn, v_lo_ts
      from dw.applied_truncate a where a.source_table = 'irradiance'
     order by a.commit_lsn desc, a.lsn desc limit 1;
    if v_new_truncates > 0 then
        perform dw._quarantine_truncated('irradiance', v_lo_commit, v_lo_lsn);
        -- the latest truncate removes every reading whose latest change is
        -- before it (an earlier truncate arriving late removes nothing more)
        with gone as (
            delete from dw.irradiance_mirror m
             where (m.commit_lsn, m.source_lsn) < (v_lo_commit, v_lo_lsn)
            returning m.unit_id, m.local_day, m.deleted)
        insert into _ir_touch
        select g.unit_id, g.local_day, v_lo_lsn, v_lo_ts from gone g
         where not g.deleted and g.unit_id is not null and g.local_day is not null
         group by 1, 2;
    end if;

    -- the last new change per reading wins; a delete keeps the reading's last
    -- values (the batch's last image of it, else the mirror's) so that its
    -- tombstone knows its unit-day; placeholders keep the held value
    drop table if exists _ir;
    create temp table _ir on commit drop as
    with ev as (
        select s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after, s.seq
          from pg_temp.stage_changes s
         where s.source_table = 'irradiance' and s.op in ('c', 'u', 'd', 'r') and s.row_id is not null
           and (v_lo_commit is null or (s.commit_lsn, s.lsn) > (v_lo_commit, v_lo_lsn))),
    last_change as (
        select distinct on (e.row_id) e.* from ev e order by e.row_id, e.commit_lsn desc, e.lsn desc, e.seq desc),
    last_image as (
        select distinct on (e.row_id) e.row_id, e.commit_lsn, e.lsn, e.after from ev e
         where e.op <> 'd' order by e.row_id, e.commit_lsn desc, e.lsn desc, e.seq desc)
    select x.*, (x.measured_at at time zone p_tz)::date as local_day, null::text[] as quality_flags
      from (select i.row_id as id, i.op, i.commit_lsn, i.lsn, i.commit_ts,
                   m.id is not null as had_row, m.m_ctid,
                   case when m.deleted then null else m.unit_id end as o_unit_id,
                   case when m.deleted then null else m.local_day end as o_day,
                   case when img.j is null or img.j->>'unit_id' = v_ph then m.unit_id
                        else (img.j->>'unit_id')::bigint end as unit_id,
                   case when img.j is null or img.j->>'device_id' = v_ph then m.device_id
                        else (img.j->>'device_id')::bigint end as device_id,
                   case when img.j is null or img.j->>'measured_at' = v_ph then m.measured_at
                        else (img.j->>'measured_at')::timestamptz end as measured_at,
                   case when img.j is null or img.j->>'irradiance_wm2' = v_ph then m.irradiance_wm2
                        else (img.j->>'irradiance_wm2')::numeric end as irradiance_wm2,
                   case when img.j is null or img.j->>'module_temp_c' = v_ph then m.module_temp_c
                        else (img.j->>'module_temp_c')::numeric end as module_temp_c,
                   case when img.j is null or img.j->>'ambient_temp_c' = v_ph then m.ambient_temp_c
                        else (img.j->>'ambient_temp_c')::numeric end as ambient_temp_c
              from last_change i
              left join last_image v on v.row_id = i.row_id
              left join lateral (select m.ctid as m_ctid, m.* from dw.irradiance_mirror m
                                  where m.id = i.row_id offset 0) m on true
             cross join lateral (select case when i.op <> 'd' then i.after
                                             when m.id is null or (v.commit_lsn, v.lsn) > (m.commit_lsn, m.source_lsn)
                                             then v.after end as j) img
             where m.id is null or (i.commit_lsn, i.lsn) > (m.commit_lsn, m.source_lsn)) x;
    get diagnostics v_n = row_count;
    -- a delete of a reading the warehouse does not hold, with no image of it, after a
    -- truncate: the truncate removed it (a source failover's resync deletes every key Kafka
    -- still shows live, truncated ones too). Nothing to delete, and no tombstone that knows
    -- neither its unit nor its day. (Without a truncate, the tombstone stays: its insert
    -- never reached apply, which the verifier reports.)
    if v_lo_commit is not null then
        delete from pg_temp._ir i where i.op = 'd' and not i.had_row and i.unit_id is null and i.measured_at is null;
    end if;
    perform dw._quality_check('irradiance', '_ir');

    -- the days the readings leave (their last state is in _ir_touch already)
    insert into _ir_touch
    select o_unit_id, o_day, lsn, commit_ts from pg_temp._ir where o_unit_id is not null;

    update dw.irradiance_mirror m
       set unit_id = i.unit_id, device_id = i.device_id, measured_at = i.measured_at, local_day = i.local_day,
           irradiance_wm2 = i.irradiance_wm2, module_temp_c = i.module_temp_c, ambient_temp_c = i.ambient_temp_c,
           deleted = (i.op = 'd'), commit_lsn = i.commit_lsn, source_lsn = i.lsn, source_commit_ts = i.commit_ts,
           loaded_at = now(), quality_flags = i.quality_flags
      from pg_temp._ir i
     where i.had_row and m.ctid = i.m_ctid;   -- a TID scan: the row read into _ir above
    insert into dw.irradiance_mirror (id, unit_id, device_id, measured_at, local_day, irradiance_wm2, module_temp_c,
                                      ambient_temp_c, deleted, commit_lsn, source_lsn, source_commit_ts, loaded_at,
                                      quality_flags)
    select i.id, i.unit_id, i.device_id, i.measured_at, i.local_day, i.irradiance_wm2, i.module_temp_c,
           i.ambient_temp_c, i.op = 'd', i.commit_lsn, i.lsn, i.commit_ts, now(), i.quality_flags
      from pg_temp._ir i
     where not i.had_row;
    perform dw._quarantine_supersede('irradiance', 'select id, commit_lsn, lsn from pg_temp._ir');

    -- Appliers sharing the warehouse (apply.parallel) recompute a unit-day one at a time:
    -- its readings come through several partitions, so two appliers may touch it at once.
    -- Each takes the unit-day's lock (hashed into 256 locks, taken in order: no deadlock)
    -- after writing its readings and holds it to its commit; the statement below then sees
    -- every reading the other committed, so whichever commits last counts them all.
    if current_setting('helio.scope', true) = 'partitions' then
        perform dw._lock_climate_buckets(array(
            select distinct (hashtext(t.unit_id::text || '/' || t.day::text) & 255)
              from pg_temp._ir_touch t where t.unit_id is not null and t.day is not null));
    end if;
    -- recompute every touched unit-day once; lineage only moves forward (a
    -- late truncate or a repeat may touch a row with an older position)
    insert into dw.dim_day_climate as c (unit_id, day, sample_count, sum_irradiance_wm2, avg_irradiance_wm2,
                                         peak_irradiance_wm2, irradiation_kwh_m2, min_ambient_temp_c,
                                         max_ambient_temp_c, avg_module_temp_c, source_lsn, source_commit_ts,
                                         loaded_at)
    select t.unit_id, t.day, a.n, a.s, a.a, a.p, a.s * p_minutes / 60 / 1000, a.amin, a.amax, a.mavg,
           t.lsn, t.commit_ts, now()
      from (select distinct on (unit_id, day) unit_id, day, lsn, commit_ts
              from pg_temp._ir_touch where unit_id is not null and day is not null
             order by unit_id, day, lsn desc) t
     cross join lateral (select count(*)::int as n, sum(m.irradiance_wm2) as s, avg(m.irradiance_wm2) as a,
                                max(m.irradiance_wm2) as p, min(m.ambient_temp_c) as amin,
                                max(m.ambient_temp_c) as amax, avg(m.module_temp_c) as mavg
                           from dw.irradiance_mirror m
                          where m.unit_id = t.unit_id and m.local_day = t.day and not m.deleted) a
    on conflict (unit_id, day) do update
       set sample_count = excluded.sample_count, sum_irradiance_wm2 = excluded.sum_irradiance_wm2,
           avg_irradiance_wm2 = excluded.avg_irradiance_wm2, peak_irradiance_wm2 = excluded.peak_irradiance_wm2,
           irradiation_kwh_m2 = excluded.irradiation_kwh_m2, min_ambient_temp_c = excluded.min_ambient_temp_c,
           max_ambient_temp_c = excluded.max_ambient_temp_c, avg_module_temp_c = excluded.avg_module_temp_c,
           source_lsn = greatest(c.source_lsn, excluded.source_lsn),
           source_commit_ts = case when c.source_lsn >= excluded.source_lsn then c.source_commit_ts
                                   else excluded.source_commit_ts end,
           loaded_at = excluded.loaded_at
     where (c.sample_count, c.sum_irradiance_wm2, c.peak_irradiance_wm2, c.min_ambient_temp_c, c.max_ambient_temp_c,
            c.avg_module_temp_c, c.avg_irradiance_wm2, c.source_lsn)
           is distinct from
           (excluded.sample_count, excluded.sum_irradiance_wm2, excluded.peak_irradiance_wm2, excluded.min_ambient_temp_c,
            excluded.max_ambient_temp_c, excluded.avg_module_temp_c, excluded.avg_irradiance_wm2,
            greatest(c.source_lsn, excluded.source_lsn));
    return v_n;
end
$$;
