-- Throughput check (not a scenario): batches shaped like bench/apply's load
-- (20,000 events per batch: 20 source transactions of 1,000 energy inserts,
-- each also updating two devices, one unit and one user, all type 2) against
-- a warehouse that already holds :preload facts (default 1,000,000), so that
-- a per-batch cost that grows with the warehouse shows. Then corrections of
-- recent rows in batches of the same size.
-- Run as a superuser on a local Linux server (cpu_ms from /proc/self/stat).
-- psql -v preload=3000000 … overrides the preload.
\if :{?preload}
\else
\set preload 1000000
\endif
create function pg_temp.cpu_ms() returns bigint language sql as $$
    select (split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint) * 10
      from pg_read_file('/proc/self/stat') s $$;
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select g, 'users', 'r', g, '0/100'::pg_lsn, '0/100'::pg_lsn, 0, '2026-06-01 00:00:00+00'::timestamptz,
       jsonb_build_object('id', g, 'name', 'user ' || g, 'email', 'u' || g || '@x', 'status', 'active')
  from generate_series(1, 250) g
union all
select 1000 + g, 'units', 'r', g, '0/100', '0/100', 0, '2026-06-01 00:00:00+00',
       jsonb_build_object('id', g, 'user_id', 1 + (g - 1) % 250, 'name', 'unit ' || g, 'tariff_class', 'B1', 'status', 'active')
  from generate_series(1, 500) g
union all
select 2000 + g, 'devices', 'r', g, '0/100', '0/100', 0, '2026-06-01 00:00:00+00',
       jsonb_build_object('id', g, 'unit_id', 1 + (g - 1) % 500, 'serial_number', 'S' || g, 'kind', 'inverter',
                          'firmware_version', 'fw-0', 'status', 'active')
  from generate_series(1, 1000) g;
insert into stage_tx values (0, '0/100', '2026-06-01 00:00:00+00', 1750, '{"public.users":250,"public.units":500,"public.devices":1000}');
select dw.apply_staged('{}');
commit;

-- One source transaction k (1-based, commit_lsn k*2^20): 1,000 energy rows
-- (ids from (i-1)*1000+1, i = k - p_shift; an update when p_shift > 0), two
-- device updates, one unit, one user.
create function pg_temp.stage_tx(k int, p_shift int) returns void language sql as $$
    insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
    select k::bigint * 10000 + g, 'energy', case when p_shift > 0 then 'u' else 'c' end, (k - p_shift - 1)::bigint * 1000 + g,
           ('0/0'::pg_lsn + (k::bigint * 1048576 + 100 + g * 16)), ('0/0'::pg_lsn + (k::bigint * 1048576 + 65536)),
           k, timestamptz '2026-06-02 00:00:00+00' + k * interval '1 second',
           jsonb_build_object('id', (k - p_shift - 1)::bigint * 1000 + g,
                              'device_id', 1 + ((k - p_shift - 1)::bigint * 1000 + g - 1) % 1000,
                              'measured_at', to_char(timestamptz '2024-01-01 00:00:00-03'
                                                     + (((k - p_shift - 1)::bigint * 1000 + g - 1) / 1000) * interval '15 minutes',
                                                     'YYYY-MM-DD"T"HH24:MI:SSOF'),
                              'energy_kwh', (((k - p_shift - 1)::bigint * 1000 + g) % 9973 * 0.0013
                                             + case when p_shift > 0 then 1 else 0 end)::text,
                              'power_kw', (((k - p_shift - 1)::bigint * 1000 + g) % 7919 * 0.0027)::text)
      from generate_series(1, 1000) g
    union all
    select k::bigint * 10000 + 1000 + j, 'devices', 'u', 1 + (2 * k + j) % 1000,
           ('0/0'::pg_lsn + (k::bigint * 1048576 + 10 + j)), ('0/0'::pg_lsn + (k::bigint * 1048576 + 65536)),
           k, timestamptz '2026-06-02 00:00:00+00' + k * interval '1 second',
           jsonb_build_object('id', 1 + (2 * k + j) % 1000, 'unit_id', 1 + ((2 * k + j) % 1000) % 500, 'serial_number',
                              'S' || 1 + (2 * k + j) % 1000, 'kind', 'inverter', 'firmware_version', 'fw-' || k,
                              'status', 'active')
      from generate_series(0, 1) j
    union all
    select k::bigint * 10000 + 1002, 'units', 'u', 1 + k % 500,
           ('0/0'::pg_lsn + (k::bigint * 1048576 + 20)), ('0/0'::pg_lsn + (k::bigint * 1048576 + 65536)),
           k, timestamptz '2026-06-02 00:00:00+00' + k * interval '1 second',
           jsonb_build_object('id', 1 + k % 500, 'user_id', 1 + (k % 500) % 250, 'name', 'unit ' || 1 + k % 500,
                              'tariff_class', 'T' || k % 7, 'status', 'active')
    union all
    select k::bigint * 10000 + 1003, 'users', 'u', 1 + k % 250,
           ('0/0'::pg_lsn + (k::bigint * 1048576 + 30)), ('0/0'::pg_lsn + (k::bigint * 1048576 + 65536)),
           k, timestamptz '2026-06-02 00:00:00+00' + k * interval '1 second',
           jsonb_build_object('id', 1 + k % 250, 'name', 'user ' || 1 + k % 250, 'email', 'u' || 1 + k % 250 || '@x',
                              'status', case when k % 2 = 0 then 'active' else 'suspended' end);
    insert into stage_tx values (k, ('0/0'::pg_lsn + (k::bigint * 1048576 + 65536)),
                                 timestamptz '2026-06-02 00:00:00+00' + k * interval '1 second', 1004,
                                 '{"public.energy":1000,"public.devices":2,"public.units":1,"public.users":1}');
$$;

-- Applies source transactions p_from .. p_to in batches of 20 (one database
-- transaction each); returns the backend CPU time spent in dw.apply_staged.
create procedure pg_temp.run_batches(p_from int, p_to int, p_shift int, inout cpu bigint)
language plpgsql as $$
declare
    c0 bigint;
begin
    cpu := 0;
    for b in 0 .. (p_to - p_from) / 20 loop
        exit when p_from + b * 20 > p_to;
        for k in p_from + b * 20 .. least(p_to, p_from + b * 20 + 19) loop
            perform pg_temp.stage_tx(k, p_shift);
        end loop;
        c0 := pg_temp.cpu_ms();
        perform dw.apply_staged('{}');
        cpu := cpu + pg_temp.cpu_ms() - c0;
        commit;
    end loop;
end
$$;

-- the preload, in 100,000-event batches (not measured)
create procedure pg_temp.preload(p_tx int) language plpgsql as $$
begin
    for b in 0 .. (p_tx - 1) / 100 loop
        for k in b * 100 + 1 .. least(p_tx, b * 100 + 100) loop
            perform pg_temp.stage_tx(k, 0);
        end loop;
        perform dw.apply_staged('{}');
        commit;
    end loop;
end
$$;
select (:preload / 1000)::int as pre_tx \gset
call pg_temp.preload(:pre_tx);
vacuum analyze;
select count(*) as preloaded_facts from dw.fact_energy;
\timing on

\echo 'apply 10 batches of 20k events (200k inserts + 800 dimension updates):'
call pg_temp.run_batches(:pre_tx + 1, :pre_tx + 200, 0, null) \gset
select 'cpu_ms ' || :cpu || ' (' || round(200800 * 1000.0 / :cpu) || ' events/s of CPU)' as cpu;
\echo 'apply 10 batches of 20k events (200k corrections of recent rows + 800 dimension updates):'
call pg_temp.run_batches(:pre_tx + 201, :pre_tx + 400, 200, null) \gset
select 'cpu_ms ' || :cpu || ' (' || round(200800 * 1000.0 / :cpu) || ' events/s of CPU)' as cpu;
select entry_kind, count(*), sum(generated_kwh) from dw.fact_energy group by 1 order by 1;
select count(*) as device_versions from dw.dim_devices;
