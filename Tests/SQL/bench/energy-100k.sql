-- Throughput check (not a scenario): 100,000 energy inserts in 100 transactions
-- of 1,000 rows against 1,000 devices, then the same volume as corrections.
-- Run: psql … -f schemas/warehouse.sql $(printf -- '-f %s ' schemas/apply/[0-9]*.sql) -f this
-- Run as a superuser on a local Linux server, `cpu_ms` gives the backend's CPU
-- time for each apply (from /proc/self/stat), steadier than wall time on a
-- busy machine.
\timing on
create function pg_temp.cpu_ms() returns bigint language sql as $$
    select (split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint) * 10
      from pg_read_file('/proc/self/stat') s $$;
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select g, 'users', 'r', g, '0/100'::pg_lsn, '0/100'::pg_lsn, 0, '2026-06-01 00:00:00+00'::timestamptz,
       jsonb_build_object('id', g, 'name', 'user ' || g, 'email', 'u' || g || '@x', 'status', 'active')
  from generate_series(1, 10) g
union all
select 100 + g, 'units', 'r', g, '0/100', '0/100', 0, '2026-06-01 00:00:00+00',
       jsonb_build_object('id', g, 'user_id', 1 + g % 10, 'name', 'unit ' || g, 'status', 'active')
  from generate_series(1, 100) g
union all
select 1000 + g, 'devices', 'r', g, '0/100', '0/100', 0, '2026-06-01 00:00:00+00',
       jsonb_build_object('id', g, 'unit_id', 1 + g % 100, 'serial_number', 'S' || g, 'kind', 'inverter', 'status', 'active')
  from generate_series(1, 1000) g;
insert into stage_tx values (0, '0/100', '2026-06-01 00:00:00+00', 1110, '{"public.users":10,"public.units":100,"public.devices":1000}');
select dw.apply_staged('{}');
commit;

-- 100 transactions × 1,000 readings
create temp table bench_ev as
select g as seq, 'energy'::text as source_table, 'c'::char(1) as op, g::bigint as row_id,
       ('1/' || to_hex(1000000 + g * 16))::pg_lsn as lsn,
       ('1/' || to_hex(1000000 + ((g - 1) / 1000 + 1) * 16000 + 8))::pg_lsn as commit_lsn,
       1000 + (g - 1) / 1000 as tx_id,
       '2026-06-02 00:00:00+00'::timestamptz + ((g - 1) / 1000) * interval '1 minute' as commit_ts,
       jsonb_build_object('id', g, 'device_id', 1 + g % 1000,
                          'measured_at', to_char(timestamptz '2026-06-01 12:00:00+00' + (g / 1000) * interval '15 minutes',
                                                 'YYYY-MM-DD"T"HH24:MI:SSOF'),
                          'energy_kwh', (g % 97 / 10.0)::numeric(14,4)::text, 'power_kw', (g % 13)::numeric(12,4)::text) as after
  from generate_series(1, 100000) g;
create temp table bench_tx as
select distinct tx_id, commit_lsn, commit_ts, 1000 as n, '{"public.energy":1000}'::jsonb as c from bench_ev;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from bench_ev;
insert into stage_tx select * from bench_tx;
\echo 'apply 100k inserts:'
select pg_temp.cpu_ms() as cpu0 \gset
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;

-- the same readings corrected (+1 kWh) in 100 later transactions
update bench_ev set op = 'u', lsn = ('2/' || to_hex(1000000 + seq * 16))::pg_lsn,
       commit_lsn = ('2/' || to_hex(1000000 + ((seq - 1) / 1000 + 1) * 16000 + 8))::pg_lsn,
       tx_id = tx_id + 1000, commit_ts = commit_ts + interval '1 day',
       after = jsonb_set(after, '{energy_kwh}', to_jsonb(((after->>'energy_kwh')::numeric + 1)::text));
truncate bench_tx;
insert into bench_tx select distinct tx_id, commit_lsn, commit_ts, 1000, '{"public.energy":1000}'::jsonb from bench_ev;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from bench_ev;
insert into stage_tx select * from bench_tx;
\echo 'apply 100k corrections:'
select pg_temp.cpu_ms() as cpu0 \gset
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from bench_ev;
insert into stage_tx select * from bench_tx;
\echo 'replay of 100k corrections:'
select pg_temp.cpu_ms() as cpu0 \gset
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;

select entry_kind, count(*), sum(generated_kwh) from dw.fact_energy group by 1 order by 1;

-- 100,000 irradiance readings (100 units, 15-minute samples)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select g, 'irradiance', 'c', g, ('3/' || to_hex(1000000 + g * 16))::pg_lsn,
       ('3/' || to_hex(1000000 + ((g - 1) / 1000 + 1) * 16000 + 8))::pg_lsn, 3000 + (g - 1) / 1000,
       '2026-06-10 00:00:00+00'::timestamptz + ((g - 1) / 1000) * interval '1 minute',
       jsonb_build_object('id', g, 'unit_id', 1 + g % 100, 'device_id', null,
                          'measured_at', to_char(timestamptz '2026-06-01 00:00:00+00' + (g / 100) * interval '15 minutes',
                                                 'YYYY-MM-DD"T"HH24:MI:SSOF'),
                          'irradiance_wm2', (g % 1000)::numeric(8,2)::text, 'module_temp_c', '35.50',
                          'ambient_temp_c', (20 + g % 10)::numeric(5,2)::text)
  from generate_series(1, 100000) g;
\echo 'apply 100k irradiance readings:'
select pg_temp.cpu_ms() as cpu0 \gset
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;
select count(*) as climate_rows, sum(sample_count) from dw.dim_day_climate;
