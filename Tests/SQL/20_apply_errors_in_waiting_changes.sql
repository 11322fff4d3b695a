-- Apply errors isolated when the change that fails is one that waited: a
-- dimension change parked in dw.pending_dim (its transaction was not whole yet)
-- or a fact change waiting in dw.pending_fact (above the dimension watermark)
-- comes back in a later batch, from inside the warehouse, and fails there. The
-- halving of dw.apply_batch takes the waiting changes as the first part of the
-- batch (they arrived before it): the one that fails alone is held with the
-- error, the later changes of its row that waited with it wait behind it, and
-- the batch's own changes apply — none of them is held for the waiting one's
-- error. Before, the batch failed whatever its halves (or "a batch without
-- changes" when only an END came), and apply stopped in a loop.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}');
select dw.apply_batch('{}');
commit;

-- constraints the source does not have
alter table dw.dim_devices add constraint devices_power_plausible check (nominal_power_kw < 1000);
alter table dw.dim_units add constraint units_city_known check (city is distinct from 'Atlantis');

create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
insert into ev values
 -- batch 1: transaction 10 (two devices) arrives in part: device 6, which breaks the
 -- warehouse's constraint, is parked in pending_dim until its transaction is whole
 (1, 1, 'devices', 'c', 6, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":6,"unit_id":7,"serial_number":"S6","kind":"inverter","nominal_power_kw":"5000.000","status":"active"}'),
 -- batch 2: the rest of transaction 10 (device 8, fine), and an unrelated unit change
 (2, 1, 'devices', 'c', 8, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":8,"unit_id":7,"serial_number":"S8","kind":"inverter","nominal_power_kw":"3.000","status":"active"}'),
 (2, 2, 'units', 'u', 7, '0/1200', '0/1300', 11, '2026-04-02 12:10:00+00', '{"id":7,"user_id":1,"name":"Roof","city":"Recife","status":"active"}'),
 -- batch 3: transaction 20 (two devices) in part again, so the watermark stops below it; the
 -- readings of transaction 21 wait in pending_fact: energy 9's value does not cast, its next
 -- change waits with it, energy 10 is fine
 (3, 1, 'devices', 'u', 5, '0/2000', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.500","status":"active"}'),
 (3, 2, 'energy', 'u', 9, '0/2200', '0/2300', 21, '2026-04-03 12:05:00+00', '{"id":9,"device_id":5,"measured_at":"2026-04-03T08:00:00-03:00","energy_kwh":"1,5","power_kw":"4.0000"}'),
 (3, 3, 'energy', 'u', 9, '0/2210', '0/2300', 21, '2026-04-03 12:05:00+00', '{"id":9,"device_id":5,"measured_at":"2026-04-03T08:00:00-03:00","energy_kwh":"1.6000","power_kw":"4.0000"}'),
 (3, 4, 'energy', 'c', 10, '0/2220', '0/2300', 21, '2026-04-03 12:05:00+00', '{"id":10,"device_id":5,"measured_at":"2026-04-03T08:15:00-03:00","energy_kwh":"0.7000","power_kw":"2.8000"}'),
 -- batch 4: the rest of transaction 20 completes it; the watermark passes 21, whose readings come back
 (4, 1, 'devices', 'u', 8, '0/2010', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":8,"unit_id":7,"serial_number":"S8","kind":"inverter","nominal_power_kw":"3.500","status":"active"}'),
 (4, 2, 'energy', 'c', 11, '0/2400', '0/2500', 22, '2026-04-03 12:10:00+00', '{"id":11,"device_id":8,"measured_at":"2026-04-03T08:30:00-03:00","energy_kwh":"0.9000","power_kw":"3.6000"}'),
 -- batch 5: a unit change whose END has not come yet (parked), then batch 6 brings only that END
 (5, 1, 'units', 'u', 7, '0/3000', '0/3100', 30, '2026-04-04 12:00:00+00', '{"id":7,"user_id":1,"name":"Roof","city":"Atlantis","status":"active"}');
insert into ends values
 (1, 10, '0/1100', '2026-04-02 12:00:00+00', 2, '{"public.devices":2}'),
 (2, 11, '0/1300', '2026-04-02 12:10:00+00', 1, '{"public.units":1}'),
 (3, 20, '0/2100', '2026-04-03 12:00:00+00', 2, '{"public.devices":2}'),
 (3, 21, '0/2300', '2026-04-03 12:05:00+00', 3, '{"public.energy":3}'),
 (4, 22, '0/2500', '2026-04-03 12:10:00+00', 1, '{"public.energy":1}'),
 (6, 30, '0/3100', '2026-04-04 12:00:00+00', 1, '{"public.units":1}');

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

begin; select pg_temp.run_batch(1); commit;
do $$ begin
  assert (select count(*) from dw.pending_dim where source_table = 'devices' and row_id = 6) = 1, 'device 6 waits for its transaction';
  assert pg_temp.held('devices', 6) = '', 'nothing held yet';
end $$;

-- device 6 comes back with the rest of its transaction, and fails
begin; create temp table stats2 as select pg_temp.run_batch(2) as s; commit;
do $$ begin
  assert pg_temp.held('devices', 6) = '0/1000 held apply_error', pg_temp.held('devices', 6);
  assert (select error like '%devices_power_plausible%' from dw.quarantine where source_table = 'devices' and row_id = 6), 'the error is kept';
  assert (select jsonb_array_length(s->'isolated') from stats2) = 1, (select s::text from stats2);
  assert (select count(*) from dw.quarantine) = 1, 'only the change that fails is held: ' || (select string_agg(source_table || row_id, ',') from dw.quarantine);
  assert (select nominal_power_kw = 3 from dw.dim_devices where device_id = 8 and is_current), 'the rest of its transaction applies';
  assert (select city = 'Recife' from dw.dim_units where unit_id = 7 and is_current), 'the batch''s own changes apply';
  assert not exists (select 1 from dw.pending_dim), 'nothing waits any more';
  assert dw.dim_watermark() >= '0/1300', 'the held change counted: the watermark moved ' || dw.dim_watermark();
end $$;

begin; select pg_temp.run_batch(3); commit;
do $$ begin
  assert (select count(*) from dw.pending_fact where source_table = 'energy') = 3, 'transaction 21''s readings wait above the watermark';
end $$;

-- the watermark passes transaction 21: energy 9's first change fails, its next waits behind it
begin; create temp table stats4 as select pg_temp.run_batch(4) as s; commit;
do $$ begin
  assert pg_temp.held('energy', 9) = '0/2200 held apply_error, 0/2210 held behind_error', pg_temp.held('energy', 9);
  assert (select error like '%invalid input syntax%' from dw.quarantine where source_table = 'energy' and lsn = '0/2200'), 'the cast error';
  assert pg_temp.ledger(9) = '', 'nothing of the held row applies, not even its later change';
  assert pg_temp.ledger(10) = 'original 0.7000', 'the other reading that waited applies';
  assert pg_temp.ledger(11) = 'original 0.9000', 'the batch''s own reading applies';
  assert (select nominal_power_kw = 3.5 from dw.dim_devices where device_id = 8 and is_current), 'the batch''s dimension change applies';
  assert (select count(*) from dw.quarantine) = 3, 'nothing else is held';
  assert not exists (select 1 from dw.pending_fact), 'nothing waits any more';
end $$;

-- a batch of only an END releases a parked change that fails: held, the batch goes through
begin; select pg_temp.run_batch(5); commit;
begin; create temp table stats6 as select pg_temp.run_batch(6) as s; commit;
do $$ begin
  assert pg_temp.held('units', 7) = '0/3000 held apply_error', pg_temp.held('units', 7);
  assert (select city = 'Recife' from dw.dim_units where unit_id = 7 and is_current), 'the unit keeps its last applied state';
  assert not exists (select 1 from dw.pending_dim), 'nothing waits any more';
end $$;

-- replay of everything: nothing new, nothing changed
create temp table before_replay as
select 'f' || energy_fact_id as k, generated_kwh::text as v from dw.fact_energy
union all select 'q' || source_table || lsn::text, status from dw.quarantine;
begin; select pg_temp.run_batch(b) from generate_series(1, 6) b; commit;
do $$ begin
  assert not exists ((select 'f' || energy_fact_id, generated_kwh::text from dw.fact_energy
                      union all select 'q' || source_table || lsn::text, status from dw.quarantine) except select * from before_replay)
     and (select count(*) from dw.fact_energy) + (select count(*) from dw.quarantine) = (select count(*) from before_replay),
     'a replay changes nothing';
end $$;

-- the fixes: the held changes are released in order and applied
alter table dw.dim_devices drop constraint devices_power_plausible;
alter table dw.dim_units drop constraint units_city_known;
do $$ begin
  assert dw.quality_drop('energy', 'apply_error', null, 'ops') = 1, 'energy 9''s bad value dropped';
end $$;
begin; select dw.quality_release(t, null, null, '{}', 'ops') from unnest(array['devices', 'energy', 'units']) t; commit;
do $$ begin
  assert (select nominal_power_kw = 5000 from dw.dim_devices where device_id = 6 and is_current), 'device 6 released';
  assert pg_temp.ledger(9) = 'original 1.6000', pg_temp.ledger(9);
  assert (select city = 'Atlantis' from dw.dim_units where unit_id = 7 and is_current), 'unit 7 released';
  assert not exists (select 1 from dw.quarantine where status = 'held'), 'nothing held';
end $$;
