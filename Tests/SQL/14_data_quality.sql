-- Data quality (dw._quality_check): each rule kind (not_null, range, allowed,
-- future_skew, nominal_power with the device version valid at the reading's
-- time, within_credit) and both severities (flag: the ledger entry / reading
-- carries the rule's name; warn: counted only), on originals, corrections
-- (their full values, not their deltas), reversals (never flagged), irradiance
-- readings (flags follow the reading's current values); no rules → no flags;
-- a replay changes no flag, duplicates nothing and counts nothing.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}');
select dw.apply_staged('{}');
commit;

-- no rules: an implausible reading is applied unflagged and counted nowhere
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'energy', 'c', 100, '0/200', '0/280', 2, '2026-04-01 12:00:00+00', '{"id":100,"device_id":5,"measured_at":"2026-04-01T09:00:00-03:00","energy_kwh":"-9.0000","power_kw":"1.0000"}');
insert into stage_tx values (2, '0/280', '2026-04-01 12:00:00+00', 1, '{"public.energy":1}');
create temp table stats0 as select dw.apply_staged('{}') as s;
commit;
do $$ begin
  assert (select quality_flags is null from dw.fact_energy where source_id = 100), 'no rules, no flags';
  assert (select s->'quality' = '[]'::jsonb from stats0), 'no rules, no counts';
end $$;

create temp table rules as select '{"quality_rules": [
  {"name": "energy.energy_kwh.range", "table": "energy", "column": "energy_kwh", "kind": "range", "min": "0", "severity": "flag"},
  {"name": "energy.energy_kwh.nominal_power", "table": "energy", "column": "energy_kwh", "kind": "nominal_power", "tolerance": "1.2", "severity": "flag"},
  {"name": "energy.measured_at.future_skew", "table": "energy", "column": "measured_at", "kind": "future_skew", "seconds": "300", "severity": "flag"},
  {"name": "energy.power_kw.not_null", "table": "energy", "column": "power_kw", "kind": "not_null", "severity": "warn"},
  {"name": "energy_compensate.compensated_kwh.within_credit", "table": "energy_compensate", "column": "compensated_kwh", "kind": "within_credit", "severity": "flag"},
  {"name": "irradiance.irradiance_wm2.range", "table": "irradiance", "column": "irradiance_wm2", "kind": "range", "min": "0", "max": "1500", "severity": "flag"},
  {"name": "irradiance.module_temp_c.range", "table": "irradiance", "column": "module_temp_c", "kind": "range", "min": "-40", "max": "100", "severity": "warn"},
  {"name": "irradiance.device_id.allowed", "table": "irradiance", "column": "device_id", "kind": "allowed", "values": ["90", "91"], "severity": "flag"}
]}'::jsonb as cfg;

create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
insert into ev values
 -- batch 1: originals (nominal limit of device 5 v1: 4 kW × 15 min × 1.2 = 1.2 kWh)
 (1, 1, 'energy', 'c', 1, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (1, 2, 'energy', 'c', 2, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"-2.0000","power_kw":"1.0000"}'),
 (1, 3, 'energy', 'c', 3, '0/1020', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"1.1000","power_kw":"4.0000"}'),
 (1, 4, 'energy', 'c', 4, '0/1030', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2027-01-01T00:00:00-03:00","energy_kwh":"0.5000","power_kw":null}'),
 (1, 5, 'energy', 'c', 5, '0/1035', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":5,"device_id":5,"measured_at":"2026-04-02T09:04:00-03:00","energy_kwh":"5.0000","power_kw":"20.0000"}'),
 (1, 6, 'energy_compensate', 'c', 1, '0/1040', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"100.0000","consumed_kwh":"80.0000","compensated_kwh":"130.0000","credit_balance_kwh":"20.0000"}'),
 (1, 7, 'energy_compensate', 'c', 2, '0/1050', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"unit_id":7,"reference_month":"2026-02-01","injected_kwh":"100.0000","consumed_kwh":"80.0000","compensated_kwh":"110.0000","credit_balance_kwh":"20.0000"}'),
 (1, 8, 'irradiance', 'c', 1, '0/1060', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"device_id":90,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"9000.00","module_temp_c":"120.00","ambient_temp_c":"25.00"}'),
 (1, 9, 'irradiance', 'c', 2, '0/1070', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"unit_id":7,"device_id":99,"measured_at":"2026-04-02T09:15:00-03:00","irradiance_wm2":"800.00","module_temp_c":"30.00","ambient_temp_c":"25.00"}'),
 -- batch 2: corrections judged on their full values: row 1 1.0 → 0.5 (delta −0.5, value fine),
 -- row 2 −2.0 → 0.8 (now fine), row 3 1.1 → 2.0 (delta 0.9 under the limit, value over it);
 -- compensation 1: injected 100 → 120 (130 ≤ 120 + 20 now; the delta 20 + 20 would not be);
 -- row 5 deleted (a reversal: never flagged); irradiance 1 back to plausible values
 (2, 1, 'energy', 'u', 1, '0/2000', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"0.5000","power_kw":"2.0000"}'),
 (2, 2, 'energy', 'u', 2, '0/2010', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"0.8000","power_kw":"1.0000"}'),
 (2, 3, 'energy', 'u', 3, '0/2020', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"2.0000","power_kw":"8.0000"}'),
 (2, 4, 'energy', 'd', 5, '0/2030', '0/2100', 20, '2026-04-03 12:00:00+00', null),
 (2, 5, 'energy_compensate', 'u', 1, '0/2040', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"120.0000","consumed_kwh":"80.0000","compensated_kwh":"130.0000","credit_balance_kwh":"20.0000"}'),
 (2, 6, 'irradiance', 'u', 1, '0/2050', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":1,"unit_id":7,"device_id":91,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"900.00","module_temp_c":"50.00","ambient_temp_c":"25.00"}'),
 -- batch 3: device 5 gets a new version (40 kW) on 04-10; a reading of 04-02 committed after
 -- it is judged by version 1 (the one valid at its time), a reading of 04-11 by version 2
 (3, 1, 'devices', 'u', 5, '0/3000', '0/3100', 30, '2026-04-10 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"40.000","status":"active"}'),
 (3, 2, 'energy', 'c', 6, '0/3200', '0/3300', 33, '2026-04-11 12:00:00+00', '{"id":6,"device_id":5,"measured_at":"2026-04-02T10:00:00-03:00","energy_kwh":"5.0000","power_kw":"20.0000"}'),
 (3, 3, 'energy', 'c', 7, '0/3210', '0/3300', 33, '2026-04-11 12:00:00+00', '{"id":7,"device_id":5,"measured_at":"2026-04-11T08:00:00-03:00","energy_kwh":"5.0000","power_kw":"20.0000"}');
insert into ends values
 (1, 10, '0/1100', '2026-04-02 12:00:00+00', 9, '{"public.energy":5,"public.energy_compensate":2,"public.irradiance":2}'),
 (2, 20, '0/2100', '2026-04-03 12:00:00+00', 6, '{"public.energy":4,"public.energy_compensate":1,"public.irradiance":1}'),
 (3, 30, '0/3100', '2026-04-10 00:00:00+00', 1, '{"public.devices":1}'),
 (3, 33, '0/3300', '2026-04-11 12:00:00+00', 2, '{"public.energy":2}');

create function pg_temp.run_batch(p_b int) returns jsonb language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev where b = p_b;
  insert into stage_tx select tx_id, commit_lsn, commit_ts, n, collections from ends where b = p_b;
  return dw.apply_staged((select cfg from rules));
end $$;
-- the flags of every entry, in ledger order
create function pg_temp.flags(p_table text, p_id bigint) returns text language sql as $$
  select string_agg(entry_kind || ':' || coalesce(array_to_string(quality_flags, '+'), '-'), ',' order by energy_fact_id)
    from dw.fact_energy where source_table = p_table and source_id = p_id
$$;
create function pg_temp.counts(p_stats jsonb) returns text language sql as $$
  select coalesce(string_agg((c->>'table') || '/' || (c->>'rule') || '=' || (c->>'n'), ',' order by c->>'table', c->>'rule'), '')
    from jsonb_array_elements(p_stats->'quality') c
$$;

begin; create temp table stats1 as select pg_temp.run_batch(1) as s; commit;

do $$ begin
  assert pg_temp.flags('energy', 1) = 'original:-', 'plausible reading unflagged';
  assert pg_temp.flags('energy', 2) = 'original:energy.energy_kwh.range', 'negative energy flagged';
  assert pg_temp.flags('energy', 3) = 'original:-', '1.1 kWh within 4 kW × 15 min × 1.2';
  assert pg_temp.flags('energy', 4) = 'original:energy.measured_at.future_skew', 'future reading flagged, warn not stored';
  assert pg_temp.flags('energy', 5) = 'original:energy.energy_kwh.nominal_power', 'over nominal power flagged';
  assert pg_temp.flags('energy_compensate', 1) = 'original:energy_compensate.compensated_kwh.within_credit', 'compensated over injected + credit';
  assert pg_temp.flags('energy_compensate', 2) = 'original:-', 'compensated within injected + credit';
  assert (select quality_flags from dw.irradiance_mirror where id = 1) = '{irradiance.irradiance_wm2.range}', 'irradiance range flagged, module temperature only warned';
  assert (select quality_flags from dw.irradiance_mirror where id = 2) = '{irradiance.device_id.allowed}', 'allowed values';
  -- flagged facts are applied: the values are the source's
  assert (select generated_kwh from dw.fact_energy where source_table = 'energy' and source_id = 2) = -2, 'flag applies the value';
  assert (select peak_irradiance_wm2 from dw.dim_day_climate where unit_id = 7 and day = '2026-04-02') = 9000, 'flag applies the reading';
  assert (select pg_temp.counts(s) from stats1) =
         'energy/energy.energy_kwh.nominal_power=1,energy/energy.energy_kwh.range=1,energy/energy.measured_at.future_skew=1,energy/energy.power_kw.not_null=1,'
         'energy_compensate/energy_compensate.compensated_kwh.within_credit=1,'
         'irradiance/irradiance.device_id.allowed=1,irradiance/irradiance.irradiance_wm2.range=1,irradiance/irradiance.module_temp_c.range=1',
         format('batch 1 counts: %s', (select pg_temp.counts(s) from stats1));
end $$;

begin; create temp table stats2 as select pg_temp.run_batch(2) as s; commit;

do $$ begin
  assert pg_temp.flags('energy', 1) = 'original:-,correction:-', 'a correction is judged on its value, not its delta';
  assert pg_temp.flags('energy', 2) = 'original:energy.energy_kwh.range,correction:-', 'corrected into range: the correction is clean, the original keeps its flag';
  assert pg_temp.flags('energy', 3) = 'original:-,correction:energy.energy_kwh.nominal_power', 'corrected over nominal power';
  assert pg_temp.flags('energy', 5) = 'original:energy.energy_kwh.nominal_power,reversal:-', 'reversals are not flagged';
  assert pg_temp.flags('energy_compensate', 1) = 'original:energy_compensate.compensated_kwh.within_credit,correction:-', 'compensation correction on full values';
  assert (select quality_flags is null from dw.irradiance_mirror where id = 1), 'a corrected reading loses its flags';
  assert (select pg_temp.counts(s) from stats2) = 'energy/energy.energy_kwh.nominal_power=1', format('batch 2 counts: %s', (select pg_temp.counts(s) from stats2));
end $$;

begin; create temp table stats3 as select pg_temp.run_batch(3) as s; commit;

do $$ begin
  assert pg_temp.flags('energy', 6) = 'original:energy.energy_kwh.nominal_power', 'judged by the device version valid at the reading''s time';
  assert pg_temp.flags('energy', 7) = 'original:-', 'the later version allows more';
  -- (the entry is keyed to the version valid at its commit: version 2)
  assert (select d.version from dw.fact_energy f join dw.dim_devices d using (device_key)
           where f.source_table = 'energy' and f.source_id = 6) = 2, 'keyed by commit time';
end $$;

-- replay: everything again, all at once and one by one; nothing new, no flag changed, nothing counted
create temp table before_replay as
select energy_fact_id, quality_flags from dw.fact_energy
union all select -id, quality_flags from dw.irradiance_mirror;
begin; create temp table replay1 as
  select pg_temp.run_batch(1) as a, pg_temp.run_batch(2) as b, pg_temp.run_batch(3) as c; commit;
begin; create temp table replay2 as select pg_temp.run_batch(2) as s; commit;
do $$ begin
  assert (select pg_temp.counts(a) || pg_temp.counts(b) || pg_temp.counts(c) from replay1) = '', 'replay counts nothing';
  assert (select pg_temp.counts(s) from replay2) = '', 'replay counts nothing (one batch)';
  assert (select count(*) from dw.fact_energy) = (select count(*) from before_replay where energy_fact_id > 0), 'replay duplicates nothing';
  assert not exists (
    (select energy_fact_id, quality_flags from dw.fact_energy union all select -id, quality_flags from dw.irradiance_mirror)
    except select * from before_replay), 'replay changes no flag';
end $$;

-- pattern: the value's text must match (here: a power written without a sign and with four decimals)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'energy', 'c', 20, '0/5000', '0/5100', 50, '2026-04-12 12:00:00+00', '{"id":20,"device_id":5,"measured_at":"2026-04-12T08:00:00-03:00","energy_kwh":"0.5000","power_kw":"2.0000"}'),
 (2, 'energy', 'c', 21, '0/5010', '0/5100', 50, '2026-04-12 12:00:00+00', '{"id":21,"device_id":5,"measured_at":"2026-04-12T08:15:00-03:00","energy_kwh":"0.5000","power_kw":"-2.0000"}');
insert into stage_tx values (50, '0/5100', '2026-04-12 12:00:00+00', 2, '{"public.energy":2}');
select dw.apply_staged('{"quality_rules": [{"name": "energy.power_kw.pattern", "table": "energy", "column": "power_kw", "kind": "pattern", "pattern": "^\\d+\\.\\d{4}$", "severity": "flag"}]}');
commit;
do $$ begin
  assert pg_temp.flags('energy', 20) = 'original:-', pg_temp.flags('energy', 20);
  assert pg_temp.flags('energy', 21) = 'original:energy.power_kw.pattern', pg_temp.flags('energy', 21);
end $$;
