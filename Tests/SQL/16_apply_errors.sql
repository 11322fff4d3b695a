-- Apply errors isolated (dw.apply_batch): a change that decodes but cannot be
-- applied (a value that does not cast; a constraint the warehouse has and the
-- source does not) no longer fails its whole batch: the batch is split until the
-- change is found, it is held in dw.quarantine with the error, counted as
-- arrived (the watermark moves on, so later facts are not stuck), and the rest
-- of the batch applies. Later changes of its row wait behind it, held, never
-- applied out of order. After a fix an operator releases the row's held changes
-- (applied in source order) or drops them; a replay changes nothing.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}');
select dw.apply_batch('{}');
commit;

-- a constraint the source does not have
alter table dw.dim_devices add constraint devices_power_plausible check (nominal_power_kw < 1000);

create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
insert into ev values
 -- batch 1: device 6 breaks the warehouse's constraint; energy 2's value does not cast, and
 -- its next change (same batch) must wait behind it; the rest applies
 (1, 1, 'devices', 'c', 6, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":6,"unit_id":7,"serial_number":"S6","kind":"inverter","nominal_power_kw":"5000.000","status":"active"}'),
 (1, 2, 'energy', 'c', 1, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (1, 3, 'energy', 'u', 2, '0/1020', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"1,5","power_kw":"4.0000"}'),
 (1, 4, 'irradiance', 'c', 1, '0/1030', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"device_id":90,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"800.00","module_temp_c":"30.00","ambient_temp_c":"25.00"}'),
 (1, 5, 'energy', 'u', 2, '0/1040', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"1.6000","power_kw":"4.0000"}'),
 (1, 6, 'energy', 'c', 3, '0/1050', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":3,"device_id":6,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"2.0000","power_kw":"8.0000"}'),
 -- batch 2: a later transaction's facts (not stuck behind the held device), and energy 2 again
 (2, 1, 'energy', 'c', 4, '0/2000', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2026-04-03T08:00:00-03:00","energy_kwh":"0.5000","power_kw":"2.0000"}'),
 (2, 2, 'energy', 'u', 2, '0/2010', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"1.7000","power_kw":"4.0000"}');
insert into ends values
 (1, 10, '0/1100', '2026-04-02 12:00:00+00', 6, '{"public.devices":1,"public.energy":4,"public.irradiance":1}'),
 (2, 20, '0/2100', '2026-04-03 12:00:00+00', 2, '{"public.energy":2}');

create function pg_temp.run_batch(p_b int) returns jsonb language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev where b = p_b;
  insert into stage_tx select tx_id, commit_lsn, commit_ts, n, collections from ends where b = p_b;
  return dw.apply_batch('{}');
end $$;
create function pg_temp.ledger(p_id bigint) returns text language sql as $$
  select coalesce(string_agg(entry_kind || ' ' || generated_kwh::text, ', ' order by energy_fact_id), '')
    from dw.fact_energy where source_table = 'energy' and source_id = p_id
$$;
create function pg_temp.held(p_table text, p_id bigint) returns text language sql as $$
  select coalesce(string_agg(lsn::text || ' ' || status || ' ' || rules[1], ', ' order by commit_lsn, lsn), '')
    from dw.quarantine where source_table = p_table and row_id = p_id
$$;

begin; create temp table stats1 as select pg_temp.run_batch(1) as s; commit;
do $$ begin
  assert (select jsonb_array_length(s->'isolated') from stats1) = 2, (select s::text from stats1);
  assert pg_temp.held('devices', 6) = '0/1000 held apply_error', pg_temp.held('devices', 6);
  assert (select error like '%devices_power_plausible%' from dw.quarantine where source_table = 'devices'), 'the error is kept';
  assert pg_temp.held('energy', 2) = '0/1020 held apply_error, 0/1040 held behind_error', pg_temp.held('energy', 2);
  assert (select error like '%invalid input syntax%' from dw.quarantine where source_table = 'energy' and lsn = '0/1020'), 'the cast error';
  assert pg_temp.ledger(1) = 'original 1.0000', 'the rest of the batch applies';
  assert pg_temp.ledger(2) = '', 'nothing of the held row is applied, not even its later change';
  assert (select irradiance_wm2 = 800 from dw.irradiance_mirror where id = 1), 'other tables apply';
  -- energy 3 keys device 6, which the warehouse does not hold: an inferred member, as for a late dimension
  assert pg_temp.ledger(3) = 'original 2.0000', pg_temp.ledger(3);
  assert (select is_inferred from dw.dim_devices where device_id = 6), 'inferred member';
  assert dw.dim_watermark() >= '0/1100', 'the held dimension change counted as arrived: the watermark moved';
end $$;

begin; select pg_temp.run_batch(2); commit;
do $$ begin
  assert pg_temp.ledger(4) = 'original 0.5000', 'a later transaction''s facts are not stuck';
  assert pg_temp.held('energy', 2) = '0/1020 held apply_error, 0/1040 held behind_error, 0/2010 held behind_error', pg_temp.held('energy', 2);
end $$;

-- replay: nothing new, nothing changed
create temp table before_replay as
select 'f' || energy_fact_id as k, generated_kwh::text as v from dw.fact_energy
union all select 'q' || source_table || lsn::text, status from dw.quarantine;
begin; select pg_temp.run_batch(1), pg_temp.run_batch(2); commit;
do $$ begin
  assert not exists ((select 'f' || energy_fact_id, generated_kwh::text from dw.fact_energy
                      union all select 'q' || source_table || lsn::text, status from dw.quarantine) except select * from before_replay)
     and (select count(*) from dw.fact_energy) + (select count(*) from dw.quarantine) = (select count(*) from before_replay),
     'a replay changes nothing';
end $$;

-- the fix: the constraint goes; the device's held change is released and applied
alter table dw.dim_devices drop constraint devices_power_plausible;
begin; create temp table rel1 as select dw.quality_release('devices', null, null, '{}', 'ops') as r; commit;
do $$ begin
  assert (select (r->>'released')::int from rel1) = 1, (select r::text from rel1);
  assert (select nominal_power_kw = 5000 and not is_inferred from dw.dim_devices where device_id = 6 and is_current), 'released: applied';
  assert pg_temp.held('devices', 6) = '0/1000 released apply_error', pg_temp.held('devices', 6);
end $$;

-- energy 2's first change cannot be fixed: dropped; its later changes are then released, in order
do $$ begin
  assert dw.quality_drop('energy', 'apply_error', null, 'ops') = 1, 'dropped';
end $$;
begin; create temp table rel2 as select dw.quality_release('energy', null, null, '{}', 'ops') as r; commit;
do $$ begin
  assert (select (r->>'released')::int from rel2) = 2, (select r::text from rel2);
  assert pg_temp.ledger(2) = 'original 1.6000, correction 0.1000', pg_temp.ledger(2);
  assert pg_temp.held('energy', 2) = '0/1020 dropped apply_error, 0/1040 released behind_error, 0/2010 released behind_error', pg_temp.held('energy', 2);
end $$;
-- nothing held: new changes of the row apply again
begin;
insert into ev values (3, 1, 'energy', 'u', 2, '0/3000', '0/3100', 30, '2026-04-04 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}');
insert into ends values (3, 30, '0/3100', '2026-04-04 12:00:00+00', 1, '{"public.energy":1}');
select pg_temp.run_batch(3);
commit;
do $$ begin
  assert pg_temp.ledger(2) = 'original 1.6000, correction 0.1000, correction -0.7000', pg_temp.ledger(2);
end $$;

-- A poison record that was a change (apply stages a placeholder, op x, for it: DeadLetterArrival):
-- counted toward its END, so the watermark and the facts after it go on; held in the
-- quarantine with the decoder's error; the row's later changes wait behind it; a replay
-- drops the placeholder (nothing to apply) and applies what waited.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'units', 'x', 7, '0/4000', '0/4100', 40, '2026-04-05 12:00:00+00', '{"error":"undecodable change event: field after is not an object"}'),
 (2, 'energy', 'c', 5, '0/4200', '0/4300', 41, '2026-04-05 12:05:00+00', '{"id":5,"device_id":5,"measured_at":"2026-04-05T08:00:00-03:00","energy_kwh":"0.3000","power_kw":"1.2000"}'),
 (3, 'units', 'u', 7, '0/4400', '0/4500', 42, '2026-04-05 12:10:00+00', '{"id":7,"user_id":1,"name":"Roof","city":"Olinda","status":"active"}');
insert into stage_tx values (40, '0/4100', '2026-04-05 12:00:00+00', 1, '{"public.units":1}'),
                            (41, '0/4300', '2026-04-05 12:05:00+00', 1, '{"public.energy":1}'),
                            (42, '0/4500', '2026-04-05 12:10:00+00', 1, '{"public.units":1}');
select dw.apply_batch('{}');
commit;
do $$ begin
  assert dw.dim_watermark() >= '0/4500', 'the dead letter counted: the watermark went on ' || dw.dim_watermark();
  assert pg_temp.ledger(5) = 'original 0.3000', 'the fact after it applied';
  assert pg_temp.held('units', 7) = '0/4000 held dead_letter, 0/4400 held behind_error', pg_temp.held('units', 7);
  assert (select error like 'undecodable%' from dw.quarantine where source_table = 'units' and lsn = '0/4000'), 'the decoder''s error kept';
  assert (select city is distinct from 'Olinda' from dw.dim_units where unit_id = 7 and is_current), 'its row waits';
end $$;
begin; create temp table rel3 as select dw.quality_release('units', null, null, '{}', 'ops') as r; commit;
do $$ begin
  assert pg_temp.held('units', 7) = '0/4000 dropped dead_letter, 0/4400 released behind_error', pg_temp.held('units', 7);
  assert (select city = 'Olinda' from dw.dim_units where unit_id = 7 and is_current), 'what waited is applied';
end $$;
