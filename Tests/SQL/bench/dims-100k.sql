-- Throughput check (not a scenario): a snapshot of 100,000 devices, then
-- 100,000 device updates (firmware: type 2) in 100 transactions.
-- Run as a superuser on a local Linux server (cpu_ms from /proc/self/stat).
\timing on
create function pg_temp.cpu_ms() returns bigint language sql as $$
    select (split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint) * 10
      from pg_read_file('/proc/self/stat') s $$;
select dw.create_staging();

create temp table dev_ev as
select g as seq, 'devices'::text as source_table, 'r'::char(1) as op, g::bigint as row_id,
       '0/100'::pg_lsn as lsn, '0/100'::pg_lsn as commit_lsn, 0::bigint as tx_id,
       '2026-06-01 00:00:00+00'::timestamptz as commit_ts,
       jsonb_build_object('id', g, 'unit_id', 1 + g % 1000, 'serial_number', 'S' || g, 'manufacturer', 'WEG',
                          'model', 'M' || g % 7, 'kind', 'inverter', 'nominal_power_kw', '5.000',
                          'firmware_version', '1.0', 'status', 'active', 'installed_at', '2025-01-01') as after
  from generate_series(1, 100000) g;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from dev_ev;
insert into stage_tx values (0, '0/100', '2026-06-01 00:00:00+00', 100000, '{"public.devices":100000}');
select pg_temp.cpu_ms() as cpu0 \gset
\echo 'apply 100k device snapshot rows:'
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;

update dev_ev set op = 'u', lsn = ('1/' || to_hex(1000000 + seq * 16))::pg_lsn,
       commit_lsn = ('1/' || to_hex(1000000 + ((seq - 1) / 1000 + 1) * 16000 + 8))::pg_lsn,
       tx_id = 1000 + (seq - 1) / 1000, commit_ts = '2026-06-02 00:00:00+00'::timestamptz + ((seq - 1) / 1000) * interval '1 minute',
       after = jsonb_set(after, '{firmware_version}', '"2.0"');
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from dev_ev;
insert into stage_tx select distinct tx_id, commit_lsn, commit_ts, 1000, '{"public.devices":1000}'::jsonb from dev_ev;
select pg_temp.cpu_ms() as cpu0 \gset
\echo 'apply 100k device updates (new versions):'
select dw.apply_staged('{}');
select 'cpu_ms ' || (pg_temp.cpu_ms() - :cpu0) as cpu;
commit;
select count(*), count(*) filter (where is_current) from dw.dim_devices;
