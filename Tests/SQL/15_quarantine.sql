-- Data quality's quarantine (dw._quality_check, dw._quarantine): a change that
-- fails a rule of severity quarantine is not applied (no ledger entry, the row's
-- state unchanged, no reading in the mirror) and is kept in dw.quarantine with
-- its position, values and rules; a later change of the row that passes is
-- applied against what the ledger holds (a correction, or an original when the
-- row was never applied) and supersedes it; a later failing change is held in
-- its place (one held entry per row, in source order); a truncate supersedes
-- the held entries before it; replays change nothing; an operator's release
-- applies the held entries (flagged with the rules they failed) and a drop
-- discards them, both idempotent and recorded with who and when.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}');
select dw.apply_staged('{}');
commit;

create temp table rules as select '{"quality_rules": [
  {"name": "energy.energy_kwh.range", "table": "energy", "column": "energy_kwh", "kind": "range", "min": "0", "severity": "quarantine"},
  {"name": "energy.power_kw.range", "table": "energy", "column": "power_kw", "kind": "range", "min": "0", "severity": "flag"},
  {"name": "energy_compensate.compensated_kwh.within_credit", "table": "energy_compensate", "column": "compensated_kwh", "kind": "within_credit", "severity": "quarantine"},
  {"name": "irradiance.irradiance_wm2.range", "table": "irradiance", "column": "irradiance_wm2", "kind": "range", "min": "0", "max": "1500", "severity": "quarantine"}
]}'::jsonb as cfg;

create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
insert into ev values
 -- batch 1: energy 2 (−2 kWh, also a negative power: flagged), compensation 1 (130 > 100 + 20)
 -- and irradiance 1 (9,000 W/m²) fail a quarantine rule
 (1, 1, 'energy', 'c', 1, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (1, 2, 'energy', 'c', 2, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"-2.0000","power_kw":"-1.0000"}'),
 (1, 3, 'energy', 'c', 3, '0/1020', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"1.1000","power_kw":"4.0000"}'),
 (1, 4, 'energy_compensate', 'c', 1, '0/1040', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"100.0000","consumed_kwh":"80.0000","compensated_kwh":"130.0000","credit_balance_kwh":"20.0000"}'),
 (1, 5, 'irradiance', 'c', 1, '0/1060', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"device_id":90,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"9000.00","module_temp_c":"30.00","ambient_temp_c":"25.00"}'),
 (1, 6, 'irradiance', 'c', 2, '0/1070', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"unit_id":7,"device_id":90,"measured_at":"2026-04-02T09:15:00-03:00","irradiance_wm2":"800.00","module_temp_c":"30.00","ambient_temp_c":"25.00"}'),
 -- batch 2: energy 1 goes bad (held; the ledger keeps 1.0), energy 2 is corrected into range
 -- (applied as the row's first entry), irradiance 1 comes back to a plausible value
 (2, 1, 'energy', 'u', 1, '0/2000', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"-1.0000","power_kw":"4.0000"}'),
 (2, 2, 'energy', 'u', 2, '0/2010', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"0.8000","power_kw":"1.0000"}'),
 (2, 3, 'irradiance', 'u', 1, '0/2050', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":1,"unit_id":7,"device_id":90,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"900.00","module_temp_c":"30.00","ambient_temp_c":"25.00"}'),
 -- batch 3: energy 1 fails again (held in place of the first), energy 3 fails (held), then is
 -- deleted in the same batch (the delete supersedes it: the row was live, so a reversal)
 (3, 1, 'energy', 'u', 1, '0/3000', '0/3100', 30, '2026-04-04 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"-3.0000","power_kw":"4.0000"}'),
 (3, 2, 'energy', 'u', 3, '0/3010', '0/3100', 30, '2026-04-04 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"-5.0000","power_kw":"4.0000"}'),
 (3, 3, 'energy', 'd', 3, '0/3020', '0/3100', 30, '2026-04-04 12:00:00+00', null),
 -- batch 4: energy 4 fails (held), then the energy table is truncated
 (4, 1, 'energy', 'c', 4, '0/4000', '0/4100', 40, '2026-04-05 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2026-04-02T09:00:00-03:00","energy_kwh":"-9.0000","power_kw":"4.0000"}'),
 (4, 2, 'energy', 't', null, '0/5000', '0/5100', 50, '2026-04-06 12:00:00+00', null);
insert into ends values
 (1, 10, '0/1100', '2026-04-02 12:00:00+00', 6, '{"public.energy":3,"public.energy_compensate":1,"public.irradiance":2}'),
 (2, 20, '0/2100', '2026-04-03 12:00:00+00', 3, '{"public.energy":2,"public.irradiance":1}'),
 (3, 30, '0/3100', '2026-04-04 12:00:00+00', 3, '{"public.energy":3}'),
 (4, 40, '0/4100', '2026-04-05 12:00:00+00', 1, '{"public.energy":1}'),
 (4, 50, '0/5100', '2026-04-06 12:00:00+00', 1, '{"public.energy":1}');

create function pg_temp.run_batch(p_b int) returns jsonb language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev where b = p_b;
  insert into stage_tx select tx_id, commit_lsn, commit_ts, n, collections from ends where b = p_b;
  return dw.apply_staged((select cfg from rules));
end $$;
-- the ledger entries of a row: kind, value and flags
create function pg_temp.ledger(p_table text, p_id bigint) returns text language sql as $$
  select coalesce(string_agg(entry_kind || ' ' || coalesce(generated_kwh, compensated_kwh)::text
                             || coalesce(' ' || array_to_string(quality_flags, '+'), ''), ', ' order by energy_fact_id), '')
    from dw.fact_energy where source_table = p_table and source_id = p_id
$$;
-- a row's quarantine entries: position and status
create function pg_temp.held(p_table text, p_id bigint) returns text language sql as $$
  select coalesce(string_agg(lsn::text || ' ' || status, ', ' order by commit_lsn, lsn), '')
    from dw.quarantine where source_table = p_table and row_id = p_id
$$;

begin; create temp table stats1 as select pg_temp.run_batch(1) as s; commit;
do $$ begin
  assert pg_temp.ledger('energy', 1) = 'original 1.0000', pg_temp.ledger('energy', 1);
  assert pg_temp.ledger('energy', 2) = '', 'a quarantined change writes no entry';
  assert pg_temp.held('energy', 2) = '0/1010 held', pg_temp.held('energy', 2);
  assert (select rules = '{energy.energy_kwh.range}' and flags = '{energy.power_kw.range}'
            and after->>'energy_kwh' = '-2.0000' and op = 'c' and commit_lsn = '0/1100'
            from dw.quarantine where source_table = 'energy' and row_id = 2), 'rules, flags, values and position kept';
  assert pg_temp.ledger('energy_compensate', 1) = '' and pg_temp.held('energy_compensate', 1) = '0/1040 held', 'compensation held';
  assert (select after->>'reference_month' = '2026-03-01' from dw.quarantine where source_table = 'energy_compensate'), 'the exact month kept';
  assert not exists (select 1 from dw.irradiance_mirror where id = 1), 'a quarantined reading is not in the mirror';
  assert (select sample_count from dw.dim_day_climate where unit_id = 7 and day = '2026-04-02') = 1, 'nor in the climate';
  assert pg_temp.held('irradiance', 1) = '0/1060 held', pg_temp.held('irradiance', 1);
  assert (select (select string_agg((c->>'rule') || '=' || (c->>'n'), ',' order by c->>'rule') from jsonb_array_elements(s->'quality') c) from stats1)
         = 'energy.energy_kwh.range=1,energy.power_kw.range=1,energy_compensate.compensated_kwh.within_credit=1,irradiance.irradiance_wm2.range=1',
         'quarantines are counted';
end $$;

begin; select pg_temp.run_batch(2); commit;
do $$ begin
  assert pg_temp.ledger('energy', 1) = 'original 1.0000', 'the bad update is held: the ledger keeps the last good value';
  assert pg_temp.held('energy', 1) = '0/2000 held', pg_temp.held('energy', 1);
  assert (select energy_kwh = 1 from dw.fact_state where source_table = 'energy' and source_id = 1)
         or not exists (select 1 from dw.fact_state where source_table = 'energy' and source_id = 1), 'state unchanged';
  assert pg_temp.ledger('energy', 2) = 'original 0.8000', 'a passing later change is applied as the row''s first entry';
  assert pg_temp.held('energy', 2) = '0/1010 superseded', 'and releases the held change';
  assert (select irradiance_wm2 = 900 from dw.irradiance_mirror where id = 1), 'reading applied';
  assert pg_temp.held('irradiance', 1) = '0/1060 superseded', pg_temp.held('irradiance', 1);
end $$;

begin; select pg_temp.run_batch(3); commit;
do $$ begin
  assert pg_temp.held('energy', 1) = '0/2000 superseded, 0/3000 held', 'one held entry per row: the latest';
  assert pg_temp.ledger('energy', 3) = 'original 1.1000, reversal -1.1000', 'the delete reverses what the ledger holds';
  assert pg_temp.held('energy', 3) = '0/3010 superseded', pg_temp.held('energy', 3);
end $$;

begin; select pg_temp.run_batch(4); commit;
do $$ begin
  assert pg_temp.held('energy', 4) = '0/4000 superseded', 'a truncate supersedes the held entries before it';
  assert pg_temp.held('energy', 1) = '0/2000 superseded, 0/3000 superseded', pg_temp.held('energy', 1);
  assert pg_temp.held('energy_compensate', 1) = '0/1040 held', 'other tables keep theirs';
end $$;

-- replay of every batch: nothing new in the ledger or the mirror, no status changed
create temp table before_replay as
select 'f' || energy_fact_id::text as k, coalesce(array_to_string(quality_flags, '+'), '') as v from dw.fact_energy
union all select 'q' || source_table || row_id || lsn::text, status from dw.quarantine
union all select 'm' || id::text, irradiance_wm2::text from dw.irradiance_mirror;
begin; select pg_temp.run_batch(1), pg_temp.run_batch(2), pg_temp.run_batch(3), pg_temp.run_batch(4); commit;
do $$ begin
  assert not exists (
    (select 'f' || energy_fact_id::text, coalesce(array_to_string(quality_flags, '+'), '') from dw.fact_energy
     union all select 'q' || source_table || row_id || lsn::text, status from dw.quarantine
     union all select 'm' || id::text, irradiance_wm2::text from dw.irradiance_mirror)
    except select * from before_replay)
    and (select count(*) from dw.fact_energy) + (select count(*) from dw.quarantine) + (select count(*) from dw.irradiance_mirror)
        = (select count(*) from before_replay), 'a replay changes nothing';
end $$;

-- an operator releases a compensation's held change, then drops what is left; both idempotent
begin;
create temp table rel1 as select dw.quality_release('energy_compensate', 'energy_compensate.compensated_kwh.within_credit', null,
                                                     (select cfg from rules), 'ops@example') as r;
commit;
do $$ begin
  assert (select (r->>'released')::int from rel1) = 1, (select r::text from rel1);
  assert pg_temp.ledger('energy_compensate', 1) = 'original 130.0000 energy_compensate.compensated_kwh.within_credit',
         'released: applied with its rules as flags: ' || pg_temp.ledger('energy_compensate', 1);
  assert (select status = 'released' and decided_by = 'ops@example' and decided_at is not null
            from dw.quarantine where source_table = 'energy_compensate' and row_id = 1), 'audited';
  assert (select reference_month = '2026-03-01' and live from dw.fact_state where source_table = 'energy_compensate' and source_id = 1), 'state';
end $$;
begin; create temp table rel2 as select dw.quality_release(null, null, null, (select cfg from rules), 'ops@example') as r; commit;
do $$ begin
  assert (select (r->>'released')::int from rel2) = 0, 'nothing held is left to release';
  assert pg_temp.ledger('energy_compensate', 1) = 'original 130.0000 energy_compensate.compensated_kwh.within_credit', 'released once';
end $$;

-- a new held change, dropped
begin;
insert into ev values
 (5, 1, 'energy', 'c', 9, '0/6000', '0/6100', 60, '2026-04-07 12:00:00+00', '{"id":9,"device_id":5,"measured_at":"2026-04-03T09:00:00-03:00","energy_kwh":"-7.0000","power_kw":"4.0000"}');
insert into ends values (5, 60, '0/6100', '2026-04-07 12:00:00+00', 1, '{"public.energy":1}');
select pg_temp.run_batch(5);
commit;
do $$ begin
  assert pg_temp.held('energy', 9) = '0/6000 held', pg_temp.held('energy', 9);
  assert dw.quality_drop('energy', 'energy.energy_kwh.range', '2026-04-07', 'ops@example') = 1, 'dropped';
  assert dw.quality_drop('energy', null, null, 'ops@example') = 0, 'drop is idempotent';
  assert pg_temp.held('energy', 9) = '0/6000 dropped' and pg_temp.ledger('energy', 9) = '', 'a dropped change is never applied';
end $$;
-- a replay after the decisions changes none of them
begin; select pg_temp.run_batch(1), pg_temp.run_batch(5); commit;
do $$ begin
  assert pg_temp.held('energy', 9) = '0/6000 dropped' and pg_temp.ledger('energy', 9) = '', 'still dropped';
  assert pg_temp.ledger('energy_compensate', 1) = 'original 130.0000 energy_compensate.compensated_kwh.within_credit', 'still released once';
end $$;
