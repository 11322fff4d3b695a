-- Apply errors isolated when the change that fails waited for its transaction
-- under transaction consistency (dw.held_change) or, in Debezium's form, for
-- its END (dw.unresolved_change). Such a change comes back from inside the
-- warehouse in the batch that completes it; the halving of dw.apply_batch takes
-- it as the batch's first part (dw._iso_wait), tries it alone, and holds it if
-- it fails alone. Before, every half of the batch brought it back and failed,
-- the ENDs' own apply failed too, and apply stopped in a loop (exit 70).
select dw.create_staging();

alter table dw.dim_devices add constraint devices_power_plausible check (nominal_power_kw < 1000);

create function pg_temp.held(p_table text, p_id bigint) returns text language sql as $$
  select coalesce(string_agg(lsn::text || ' ' || status || ' ' || rules[1], ', ' order by commit_lsn, lsn), '')
    from dw.quarantine where source_table = p_table and row_id = p_id
$$;

-- 1. Transaction consistency. Batch 1: transaction 10 arrives in part (device 6,
-- which the warehouse refuses), held with its END until it is whole.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'devices', 'c', 6, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":6,"unit_id":7,"serial_number":"S6","kind":"inverter","nominal_power_kw":"5000.000","status":"active"}');
insert into stage_tx values (10, '0/1100', '2026-04-02 12:00:00+00', 3, '{"public.devices":2,"public.energy":1}');
select dw.apply_batch('{"transaction_consistency": true}');
commit;
do $$ begin
  assert (select count(*) from dw.held_change) = 1, 'device 6 waits for its transaction';
end $$;

-- Batch 2: the rest of transaction 10 (device 8 and a reading, fine) and transaction 11 (a unit).
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'devices', 'c', 8, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":8,"unit_id":7,"serial_number":"S8","kind":"inverter","nominal_power_kw":"3.000","status":"active"}'),
 (2, 'energy', 'c', 1, '0/1020', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":8,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"0.5000","power_kw":"2.0000"}'),
 (3, 'units', 'c', 7, '0/1200', '0/1300', 11, '2026-04-02 12:10:00+00', '{"id":7,"user_id":1,"name":"Roof","city":"Recife","status":"active"}');
insert into stage_tx values (11, '0/1300', '2026-04-02 12:10:00+00', 1, '{"public.units":1}');
create temp table stats_tc as select dw.apply_batch('{"transaction_consistency": true}') as s;
commit;
do $$ begin
  assert pg_temp.held('devices', 6) = '0/1000 held apply_error', pg_temp.held('devices', 6);
  assert (select error like '%devices_power_plausible%' from dw.quarantine where row_id = 6), 'the error is kept';
  assert (select count(*) from dw.quarantine) = 1, 'only the change that fails is held';
  assert (select nominal_power_kw = 3 from dw.dim_devices where device_id = 8 and is_current), 'the rest of its transaction applies';
  assert (select count(*) from dw.fact_energy where source_id = 1) = 1, 'its reading applies';
  assert (select city = 'Recife' from dw.dim_units where unit_id = 7 and is_current), 'the next transaction applies';
  assert not exists (select 1 from dw.held_change), 'nothing waits any more';
  assert (select commit_lsn from dw.tc_horizon) = '0/1300', 'consistency moved past both';
end $$;

-- A replay of both batches changes nothing.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'devices', 'c', 6, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":6,"unit_id":7,"serial_number":"S6","kind":"inverter","nominal_power_kw":"5000.000","status":"active"}'),
 (2, 'devices', 'c', 8, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":8,"unit_id":7,"serial_number":"S8","kind":"inverter","nominal_power_kw":"3.000","status":"active"}');
insert into stage_tx values (10, '0/1100', '2026-04-02 12:00:00+00', 3, '{"public.devices":2,"public.energy":1}');
select dw.apply_batch('{"transaction_consistency": true}');
commit;
do $$ begin
  assert (select count(*) from dw.quarantine) = 1 and (select count(*) from dw.dim_devices) = 1, 'a replay changes nothing';
end $$;

-- 2. Debezium's form: transaction 20's changes name no commit position and wait
-- for their END; device 9 is refused by the warehouse.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'devices', 'u', 8, '0/2000', null, 20, '2026-04-03 12:00:00+00', '{"id":8,"unit_id":7,"serial_number":"S8","kind":"inverter","nominal_power_kw":"3.500","status":"active"}', 0),
 (2, 'devices', 'c', 9, '0/2010', null, 20, '2026-04-03 12:00:00+00', '{"id":9,"unit_id":7,"serial_number":"S9","kind":"inverter","nominal_power_kw":"9000.000","status":"active"}', 1);
select dw.apply_batch('{"debezium_form": true}');
commit;
do $$ begin
  assert (select count(*) from dw.unresolved_change) = 2, 'transaction 20 waits for its END';
end $$;

-- Batch 2 brings the END and a later unit change: device 9 is held, the rest applies.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'units', 'u', 7, '0/2200', null, 21, '2026-04-03 12:10:00+00', '{"id":7,"user_id":1,"name":"Roof","city":"Natal","status":"active"}', 2);
insert into stage_tx values (20, '0/2100', '2026-04-03 12:00:00+00', 2, '[{"data_collection":"public.devices","event_count":2}]'),
                            (21, '0/2300', '2026-04-03 12:10:00+00', 1, '[{"data_collection":"public.units","event_count":1}]');
create temp table stats_dbz as select dw.apply_batch('{"debezium_form": true}') as s;
commit;
do $$ begin
  assert pg_temp.held('devices', 9) = '0/2010 held apply_error', pg_temp.held('devices', 9);
  assert (select commit_lsn from dw.quarantine where row_id = 9 and source_table = 'devices') = '0/2100', 'held at its END''s commit position';
  assert (select nominal_power_kw = 3.5 from dw.dim_devices where device_id = 8 and is_current), 'the rest of its transaction applies';
  assert (select city = 'Natal' from dw.dim_units where unit_id = 7 and is_current), 'the later transaction applies';
  assert not exists (select 1 from dw.unresolved_change), 'nothing waits for an END any more';
  assert dw.dim_watermark() >= '0/2300', 'the held change counted toward its END: the watermark moved ' || dw.dim_watermark();
end $$;

-- The fix, then the release: applied in order.
alter table dw.dim_devices drop constraint devices_power_plausible;
begin; select dw.quality_release('devices', null, null, '{}', 'ops'); commit;
do $$ begin
  assert (select nominal_power_kw = 5000 from dw.dim_devices where device_id = 6 and is_current), 'device 6 released';
  assert (select nominal_power_kw = 9000 from dw.dim_devices where device_id = 9 and is_current), 'device 9 released';
  assert not exists (select 1 from dw.quarantine where status = 'held'), 'nothing held';
end $$;
