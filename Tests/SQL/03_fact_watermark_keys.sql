-- Facts wait until every dimension change committed before them is applied
-- (END counts), then pair with the versions valid at their commit time: a
-- device version committed before a reading pairs with it, one committed
-- after does not. A never-seen member becomes an inferred member.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'r', 1, '0/100', '0/100', 0, '2026-03-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'r', 7, '0/100', '0/100', 0, '2026-03-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'r', 5, '0/100', '0/100', 0, '2026-03-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","model":"M1","status":"active"}');
insert into stage_tx values (0, '0/100', '2026-03-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}');
select dw.apply_staged('{}');
commit;

-- batch A: END of tx 20 (device 5 firmware upgrade, 1 device event) is seen
-- but its event has not arrived; readings of tx 15 (before) and tx 30 (after).
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (10, 'energy', 'c', 1001, '0/1400', '0/1500', 15, '2026-03-02 12:00:00+00',
  '{"id":1001,"device_id":5,"measured_at":"2026-03-02T09:00:00-03:00","energy_kwh":"1.5000","power_kw":"6.0000"}'),
 (11, 'energy', 'c', 1002, '0/2900', '0/3000', 30, '2026-03-02 14:00:00+00',
  '{"id":1002,"device_id":5,"measured_at":"2026-03-02T23:30:00-03:00","energy_kwh":"2.0000","power_kw":"8.0000"}');
insert into stage_tx values
 (15, '0/1500', '2026-03-02 12:00:00+00', 1, '{"public.energy":1}'),
 (20, '0/2000', '2026-03-02 13:00:00+00', 1, '{"public.devices":1}'),
 (30, '0/3000', '2026-03-02 14:00:00+00', 1, '{"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select dw.dim_watermark()) = '0/1500', 'watermark stops before tx 20';
  assert (select count(*) from dw.fact_energy) = 1, 'reading of tx 15 applied';
  assert (select count(*) from dw.pending_fact) = 1, 'reading of tx 30 waits';
  assert (select d.version from dw.fact_energy f join dw.dim_devices d using (device_key) where f.source_id = 1001) = 1, 'tx 15 reading pairs with v1';
end $$;

-- batch B: the device change of tx 20 arrives, and tx 40 (after the reading) moves
-- the device to unit 8 (never seen: its END counts it, the event is here).
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (12, 'devices', 'u', 5, '0/1900', '0/2000', 20, '2026-03-02 13:00:00+00',
  '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","model":"M1","firmware_version":"2.0","status":"active"}'),
 (13, 'devices', 'u', 5, '0/3900', '0/4000', 40, '2026-03-02 15:00:00+00',
  '{"id":5,"unit_id":8,"serial_number":"S5","kind":"inverter","model":"M1","firmware_version":"2.0","status":"active"}'),
 (14, 'energy', 'c', 1003, '0/4900', '0/5000', 50, '2026-03-02 16:00:00+00',
  '{"id":1003,"device_id":5,"measured_at":"2026-03-02T12:00:00-03:00","energy_kwh":"3.0000","power_kw":null}'),
 (15, 'energy', 'c', 1004, '0/4901', '0/5000', 50, '2026-03-02 16:00:00+00',
  '{"id":1004,"device_id":77,"measured_at":"2026-03-02T12:00:00-03:00","energy_kwh":"1.0000","power_kw":null}');
insert into stage_tx values
 (40, '0/4000', '2026-03-02 15:00:00+00', 1, '{"public.devices":1}'),
 (50, '0/5000', '2026-03-02 16:00:00+00', 2, '{"public.energy":2}');
select dw.apply_staged('{}');
commit;

do $$
declare r record;
begin
  assert (select dw.dim_watermark()) = '0/5000', 'watermark caught up';
  assert (select count(*) from dw.pending_fact) = 0, 'nothing pending';
  select f.*, d.version as dv, d.firmware_version, u.unit_id, u.version as uv, us.user_id
    into r from dw.fact_energy f join dw.dim_devices d using (device_key)
    join dw.dim_units u using (unit_key) join dw.dim_users us using (user_key) where f.source_id = 1002;
  assert r.dv = 2 and r.firmware_version = '2.0', 'tx 30 reading pairs with v2 (committed before), not v3';
  assert r.unit_id = 7 and r.user_id = 1, 'unit and user of that device version';
  assert r.date_key = 20260302, 'local day (Sao Paulo) of 23:30-03';
  assert r.entry_kind = 'original' and r.generated_kwh = 2 and r.power_kw = 8, 'original with values';
  assert r.day_climate_key = (select day_climate_key from dw.dim_day_climate where unit_id = 7 and day = '2026-03-02'), 'climate key';
  assert (select sample_count from dw.dim_day_climate where unit_id = 7 and day = '2026-03-02') = 0, 'empty climate row created';
  assert (select sum_irradiance_wm2 is null from dw.dim_day_climate where unit_id = 7 and day = '2026-03-02'), 'sum null';
  assert (select source_lsn = '0/1400' and source_commit_ts = '2026-03-02 12:00:00+00'
            from dw.dim_day_climate where unit_id = 7 and day = '2026-03-02'), 'empty row: lineage of the fact that needed it';
  -- reading of tx 50: device v3 (unit 8); unit 8 never seen → inferred
  select f.*, d.version as dv, u.unit_id, u.is_inferred as u_inf, u.valid_from as u_from
    into r from dw.fact_energy f join dw.dim_devices d using (device_key) join dw.dim_units u using (unit_key)
   where f.source_id = 1003;
  assert r.dv = 3 and r.unit_id = 8, 'tx 50 reading pairs with v3 under unit 8';
  assert r.u_inf and r.u_from = '2026-03-02 16:00:00+00', 'unit 8 inferred at the fact''s commit time';
  assert r.user_key is null, 'inferred unit has no owner';
  -- unknown device 77 → inferred device, unit unknown
  select f.*, d.is_inferred, d.version, d.unit_id into r
    from dw.fact_energy f join dw.dim_devices d using (device_key) where f.source_id = 1004;
  assert r.is_inferred and r.version = 1 and r.unit_id is null and r.unit_key is null, 'inferred device';
end $$;

-- the real rows of unit 8 (committed earlier than its inferred version) and of
-- device 77 arrive: both completed in place, no new version.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (16, 'units', 'c', 8, '0/3800', '0/3850', 38, '2026-03-02 14:30:00+00', '{"id":8,"user_id":1,"name":"Barn","status":"active"}'),
 (17, 'devices', 'c', 77, '0/6000', '0/6100', 61, '2026-03-02 18:00:00+00', '{"id":77,"unit_id":8,"serial_number":"S77","kind":"meter","status":"active"}');
insert into stage_tx values (38, '0/3850', '2026-03-02 14:30:00+00', 1, '{"public.units":1}'),
                            (61, '0/6100', '2026-03-02 18:00:00+00', 1, '{"public.devices":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_units where unit_id = 8) = 1, 'unit 8 completed in place';
  assert (select not is_inferred and name = 'Barn' and valid_from = '2026-03-02 14:30:00+00' from dw.dim_units where unit_id = 8),
         'takes the earlier insert time';
  assert (select count(*) from dw.dim_devices where device_id = 77) = 1, 'device 77 completed in place';
  assert (select not is_inferred and serial_number = 'S77' and valid_from = '2026-03-02 16:00:00+00' from dw.dim_devices where device_id = 77),
         'keeps the earlier inferred time';
end $$;
