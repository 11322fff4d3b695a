-- The scheduled re-check (dw.quality_recheck): rows changed since a time are
-- judged again on their current values and compared with the flags stored when
-- they were applied. Right after apply nothing differs; a flag lost from an
-- entry (planted here) is reported as unflagged, a flag that no longer holds as
-- stale, a rule added since as unflagged on the rows that break it; rows
-- changed before the window and deleted rows are not judged; nothing is written.
select dw.create_staging();

create temp table rules as select '{"quality_rules": [
  {"name": "energy.energy_kwh.range", "table": "energy", "column": "energy_kwh", "kind": "range", "min": "0", "severity": "flag"},
  {"name": "energy.energy_kwh.nominal_power", "table": "energy", "column": "energy_kwh", "kind": "nominal_power", "tolerance": "1.2", "severity": "flag"},
  {"name": "energy_compensate.compensated_kwh.within_credit", "table": "energy_compensate", "column": "compensated_kwh", "kind": "within_credit", "severity": "flag"},
  {"name": "irradiance.irradiance_wm2.range", "table": "irradiance", "column": "irradiance_wm2", "kind": "range", "min": "0", "max": "1500", "severity": "flag"}
]}'::jsonb as cfg;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}'),
 (4, 'energy', 'c', 1, '0/200', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (5, 'energy', 'c', 2, '0/210', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"-2.0000","power_kw":"1.0000"}'),
 (6, 'energy', 'c', 3, '0/220', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"5.0000","power_kw":"20.0000"}'),
 (7, 'energy_compensate', 'c', 1, '0/230', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"100.0000","consumed_kwh":"80.0000","compensated_kwh":"130.0000","credit_balance_kwh":"20.0000"}'),
 (8, 'irradiance', 'c', 1, '0/240', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"9000.00","module_temp_c":"30.00"}'),
 (9, 'irradiance', 'c', 2, '0/250', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":2,"unit_id":7,"measured_at":"2026-04-02T09:15:00-03:00","irradiance_wm2":"700.00","module_temp_c":"30.00"}'),
 -- an old row, outside the re-check's window, with a negative value
 (10, 'energy', 'c', 4, '0/260', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2026-03-02T08:00:00-03:00","energy_kwh":"-1.0000","power_kw":"1.0000"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}'),
                            (2, '0/280', '2026-04-02 12:00:00+00', 7, '{"public.energy":4,"public.energy_compensate":1,"public.irradiance":2}');
select dw.apply_staged((select cfg from rules));
commit;
-- row 4's entry is dated before the window (its commit is moved back: an old row)
update dw.fact_energy set source_commit_ts = '2026-03-02 12:00:00+00' where source_table = 'energy' and source_id = 4;
-- a correction puts row 2 back in range, and row 1 (plausible) is deleted
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'energy', 'u', 2, '0/300', '0/380', 3, '2026-04-03 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"0.5000","power_kw":"1.0000"}'),
 (2, 'energy', 'd', 1, '0/310', '0/380', 3, '2026-04-03 12:00:00+00', null);
insert into stage_tx values (3, '0/380', '2026-04-03 12:00:00+00', 2, '{"public.energy":2}');
select dw.apply_staged((select cfg from rules));
commit;

create function pg_temp.diffs(p_cfg jsonb) returns text language sql as $$
  select coalesce(string_agg((d->>'kind') || ' ' || (d->>'table') || ' ' || (d->>'row_id') || ' ' || (d->>'rule'), ', '
                             order by d->>'table', (d->>'row_id')::bigint, d->>'rule'), '')
    from jsonb_array_elements((dw.quality_recheck(p_cfg, '2026-04-01'))->'differences') d
$$;

do $$ begin
  assert pg_temp.diffs((select cfg from rules)) = '', 'right after apply nothing differs: ' || pg_temp.diffs((select cfg from rules));
  assert (dw.quality_recheck((select cfg from rules), '2026-04-01')->>'checked')::int = 5,
         'rows 2 and 3, the compensation, two readings (row 1 deleted, row 4 before the window): '
         || (dw.quality_recheck((select cfg from rules), '2026-04-01')->>'checked');
end $$;

-- planted: row 3's flag lost; a flag on reading 2 that does not hold
update dw.fact_energy set quality_flags = null where source_table = 'energy' and source_id = 3;
update dw.irradiance_mirror set quality_flags = '{irradiance.irradiance_wm2.range}' where id = 2;
do $$ begin
  assert pg_temp.diffs((select cfg from rules)) = 'unflagged energy 3 energy.energy_kwh.nominal_power, stale irradiance 2 irradiance.irradiance_wm2.range',
         pg_temp.diffs((select cfg from rules));
end $$;

-- a rule added since (power at most 10 kW) finds row 3 (20 kW), which nothing flagged
do $$ begin
  assert pg_temp.diffs((select cfg from rules) || '{"quality_rules": [{"name": "energy.power_kw.range", "table": "energy", "column": "power_kw", "kind": "range", "max": "10", "severity": "flag"}]}')
         = 'unflagged energy 3 energy.power_kw.range', pg_temp.diffs((select cfg from rules) || '{"quality_rules": [{"name": "energy.power_kw.range", "table": "energy", "column": "power_kw", "kind": "range", "max": "10", "severity": "flag"}]}');
  assert (select count(*) from dw.quarantine) = 0, 'nothing written';
end $$;
