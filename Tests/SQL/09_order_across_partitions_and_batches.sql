-- What reaches the warehouse first must not decide what it holds.
--  * A truncate has no key, so it travels on a partition of its own: changes
--    committed after it can be applied before it. It removes exactly what
--    existed before it in source order (irradiance readings and their climate,
--    dimension members, fact rows), never what came after.
--  * A batch nets a row's changes: every unit-day a reading passed through
--    keeps its row (sample_count 0 once empty), as with one change per batch.
select dw.create_staging();

-- batch 1: readings, users and energy rows before the truncates (tx 1),
-- all of them on "partition A"
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":7,"user_id":1,"name":"P","status":"active"}'),
 (3, 'devices', 'c', 3, '0/120', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":3,"unit_id":7,"serial_number":"S3","kind":"inverter","status":"active"}'),
 (4, 'irradiance', 'c', 1, '0/130', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":1,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","irradiance_wm2":"800.00","module_temp_c":"40.00","ambient_temp_c":"25.00"}'),
 (5, 'energy', 'c', 1, '0/140', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":1,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","energy_kwh":"1.5000","power_kw":"6.0000"}');
insert into stage_tx values (1, '0/190', '2026-05-01 12:00:00+00', 5, '{"public.users":1,"public.units":1,"public.devices":1,"public.irradiance":1,"public.energy":1}');
select dw.apply_staged('{}');
commit;

-- batch 2: what was committed AFTER the truncates (tx 3) arrives first, from
-- "partition B": nine readings of May 2, a new user, a new energy row. The END
-- of tx 2 (the truncates) is already here; the truncate events are not.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select 10 + g, 'irradiance', 'c', 100 + g, ('0/3' || g || '0')::pg_lsn, '0/390', 3, '2026-05-02 12:00:00+00',
       jsonb_build_object('id', 100 + g, 'unit_id', 7, 'device_id', 3,
                          'measured_at', '2026-05-02T' || lpad((8 + g)::text, 2, '0') || ':00:00-03:00',
                          'irradiance_wm2', '100.00', 'module_temp_c', '30.00', 'ambient_temp_c', '20.00')
  from generate_series(1, 9) g;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (30, 'users', 'c', 2, '0/3A0', '0/390', 3, '2026-05-02 12:00:00+00', '{"id":2,"name":"B","email":"b@x","status":"active"}'),
 (31, 'energy', 'c', 2, '0/3B0', '0/390', 3, '2026-05-02 12:00:00+00', '{"id":2,"device_id":3,"measured_at":"2026-05-02T10:00:00-03:00","energy_kwh":"2.0000","power_kw":"5.0000"}');
insert into stage_tx values (2, '0/290', '2026-05-02 11:00:00+00', 3, '{"public.irradiance":1,"public.users":1,"public.energy":1}');
insert into stage_tx values (3, '0/390', '2026-05-02 12:00:00+00', 11, '{"public.irradiance":9,"public.users":1,"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select sample_count from dw.dim_day_climate where unit_id = 7 and day = '2026-05-02') = 9, 'nine readings of May 2';
  assert (select count(*) from dw.dim_users where user_id = 2 and is_current and not is_deleted) = 1, 'user 2 live';
  -- the energy row of tx 3 waits: the watermark needs tx 2's user event (the truncate)
  assert not exists (select 1 from dw.fact_energy where source_id = 2), 'energy 2 waits for the truncate of users';
end $$;

-- batch 3: the truncates of tx 2 (irradiance, users, energy) arrive from their own partition
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (20, 'irradiance', 't', null, '0/200', '0/290', 2, '2026-05-02 11:00:00+00', null),
 (21, 'users', 't', null, '0/210', '0/290', 2, '2026-05-02 11:00:00+00', null),
 (22, 'energy', 't', null, '0/220', '0/290', 2, '2026-05-02 11:00:00+00', null);
select dw.apply_staged('{}');
commit;

do $$
declare r record;
begin
  select * into r from dw.dim_day_climate where unit_id = 7 and day = '2026-05-02';
  assert r.sample_count = 9 and r.sum_irradiance_wm2 = 900, format('the truncate kept the nine later readings: %s', r.sample_count);
  assert r.source_lsn = '0/390', 'lineage stays on the latest change';
  select * into r from dw.dim_day_climate where unit_id = 7 and day = '2026-05-01';
  assert r.sample_count = 0 and r.sum_irradiance_wm2 is null, 'the earlier reading was truncated';
  assert (select count(*) from dw.irradiance_mirror where id > 100) = 9, 'later readings stay in the mirror';
  assert (select is_deleted from dw.dim_users where user_id = 1 and is_current), 'user 1 deleted by the truncate';
  assert (select not is_deleted and version = 1 from dw.dim_users where user_id = 2 and is_current), 'user 2 stays live, one version';
  -- energy: row 1 reversed at the truncate, row 2 (after it) an original
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 1) = 0, 'energy 1 reversed';
  assert (select string_agg(entry_kind, ',' order by source_lsn) from dw.fact_energy where source_id = 2 and source_table = 'energy') = 'original',
         'energy 2 written once, not reversed';
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 2) = 2, 'energy 2 sums to its value';
end $$;

-- batch 4: seven readings of unit 8 inserted (tx 4) and updated then deleted
-- (tx 5), all in one batch: the unit-day keeps a row with sample_count 0
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select 40 + g, 'irradiance', 'c', 200 + g, ('0/4' || g || '0')::pg_lsn, '0/490', 4, '2026-05-03 12:00:00+00',
       jsonb_build_object('id', 200 + g, 'unit_id', 8, 'device_id', null,
                          'measured_at', '2026-05-03T' || lpad((8 + g)::text, 2, '0') || ':00:00-03:00',
                          'irradiance_wm2', '500.00', 'module_temp_c', null, 'ambient_temp_c', '20.00')
  from generate_series(1, 7) g;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select 50 + g, 'irradiance', 'u', 200 + g, ('0/5' || g || '0')::pg_lsn, '0/590', 5, '2026-05-03 12:00:01+00',
       jsonb_build_object('id', 200 + g, 'unit_id', 8, 'device_id', null,
                          'measured_at', '2026-05-03T' || lpad((8 + g)::text, 2, '0') || ':00:00-03:00',
                          'irradiance_wm2', '400.00', 'module_temp_c', null, 'ambient_temp_c', '20.00')
  from generate_series(1, 7) g;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select 60 + g, 'irradiance', 'd', 200 + g, ('0/5' || g || '8')::pg_lsn, '0/590', 5, '2026-05-03 12:00:01+00', null
  from generate_series(1, 7) g;
-- a reading of unit 9 that passes through May 4 on its way to May 5, inside one batch
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (70, 'irradiance', 'c', 300, '0/600', '0/690', 6, '2026-05-05 12:00:00+00', '{"id":300,"unit_id":9,"device_id":null,"measured_at":"2026-05-03T10:00:00-03:00","irradiance_wm2":"10.00","module_temp_c":null,"ambient_temp_c":null}'),
 (71, 'irradiance', 'u', 300, '0/610', '0/690', 6, '2026-05-05 12:00:00+00', '{"id":300,"unit_id":9,"device_id":null,"measured_at":"2026-05-04T10:00:00-03:00","irradiance_wm2":"10.00","module_temp_c":null,"ambient_temp_c":null}'),
 (72, 'irradiance', 'u', 300, '0/620', '0/690', 6, '2026-05-05 12:00:00+00', '{"id":300,"unit_id":9,"device_id":null,"measured_at":"2026-05-05T10:00:00-03:00","irradiance_wm2":"10.00","module_temp_c":null,"ambient_temp_c":null}'),
-- a reading of unit 10 inserted, then truncated with the table, inside one batch
 (73, 'irradiance', 'c', 301, '0/700', '0/790', 7, '2026-05-06 12:00:00+00', '{"id":301,"unit_id":10,"device_id":null,"measured_at":"2026-05-06T10:00:00-03:00","irradiance_wm2":"10.00","module_temp_c":null,"ambient_temp_c":null}'),
 (74, 'irradiance', 't', null, '0/800', '0/890', 8, '2026-05-06 13:00:00+00', null);
select dw.apply_staged('{}');
commit;

do $$
declare r record;
begin
  select * into r from dw.dim_day_climate where unit_id = 8 and day = '2026-05-03';
  assert found, 'unit 8, May 3 has a row although its readings came and went inside one batch';
  assert r.sample_count = 0 and r.sum_irradiance_wm2 is null and r.avg_irradiance_wm2 is null and r.peak_irradiance_wm2 is null
     and r.irradiation_kwh_m2 is null and r.min_ambient_temp_c is null and r.max_ambient_temp_c is null
     and r.avg_module_temp_c is null, 'sample_count 0, every aggregate null';
  assert (select count(*) from dw.irradiance_mirror where id between 201 and 207 and deleted and unit_id = 8 and local_day = '2026-05-03') = 0,
         'the truncate of tx 8 removed the tombstones too';
  assert (select string_agg(day::text || ':' || sample_count, ',' order by day) from dw.dim_day_climate where unit_id = 9)
         = '2026-05-03:0,2026-05-04:0,2026-05-05:0', 'unit 9: every day the reading passed through has a row (all truncated by tx 8)';
  assert (select sample_count from dw.dim_day_climate where unit_id = 10 and day = '2026-05-06') = 0, 'unit 10: inserted then truncated';
  assert (select sample_count from dw.dim_day_climate where unit_id = 7 and day = '2026-05-02') = 0, 'tx 8 truncated May 2 as well';
end $$;

-- batch 5: a delete of a reading whose insert came in the same batch keeps
-- the reading's unit-day on its tombstone
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (80, 'irradiance', 'c', 400, '0/900', '0/990', 9, '2026-05-07 12:00:00+00', '{"id":400,"unit_id":11,"device_id":null,"measured_at":"2026-05-07T10:00:00-03:00","irradiance_wm2":"10.00","module_temp_c":null,"ambient_temp_c":null}'),
 (81, 'irradiance', 'd', 400, '0/A00', '0/A90', 10, '2026-05-07 12:00:01+00', null);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select unit_id = 11 and local_day = '2026-05-07' and deleted from dw.irradiance_mirror where id = 400), 'tombstone knows its unit-day';
  assert (select sample_count from dw.dim_day_climate where unit_id = 11 and day = '2026-05-07') = 0, 'unit 11: row with 0';
end $$;

-- batch 6: a truncate of energy alone (tx 11, no dimension event: the
-- watermark does not wait for it) and a later energy row (tx 12) whose event
-- arrives first; batch 7: the truncate, and a late correction of energy 2
-- committed before it
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (91, 'energy', 'c', 3, '0/C00', '0/C90', 12, '2026-05-08 12:00:01+00', '{"id":3,"device_id":3,"measured_at":"2026-05-08T10:00:00-03:00","energy_kwh":"3.0000","power_kw":"5.0000"}');
insert into stage_tx values (10, '0/AF8', '2026-05-08 11:00:00+00', 1, '{"public.energy":1}');
insert into stage_tx values (11, '0/B90', '2026-05-08 12:00:00+00', 1, '{"public.energy":1}');
insert into stage_tx values (12, '0/C90', '2026-05-08 12:00:01+00', 1, '{"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 3) = 3, 'energy 3 applied before the truncate arrived';
end $$;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (90, 'energy', 't', null, '0/B00', '0/B90', 11, '2026-05-08 12:00:00+00', null),
 (89, 'energy', 'u', 2, '0/AF0', '0/AF8', 10, '2026-05-08 11:00:00+00', '{"id":2,"device_id":3,"measured_at":"2026-05-02T10:00:00-03:00","energy_kwh":"9.0000","power_kw":"5.0000"}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 2) = 0, 'energy 2 reversed by the truncate';
  assert (select string_agg(entry_kind, ',' order by source_lsn) from dw.fact_energy where source_table = 'energy' and source_id = 2)
         = 'original,correction,reversal', 'energy 2: original, the correction before the truncate, the reversal';
  assert (select string_agg(entry_kind, ',') from dw.fact_energy where source_table = 'energy' and source_id = 3) = 'original',
         'energy 3, committed after the truncate, is not reversed';
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 3) = 3, 'energy 3 keeps its value';
end $$;
