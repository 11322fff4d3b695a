-- The monthly backup verification's comparison (dw.compare_with_shadow): a
-- shadow built from the same log holds the same; a planted difference in the
-- facts, a dimension or the climate is reported; changes the live warehouse
-- applied after the shadow's last one are not compared, nor rows an operator
-- released or dropped from quarantine.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","nominal_power_kw":"4.000","status":"active"}'),
 (4, 'energy', 'c', 1, '0/200', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (5, 'energy', 'c', 2, '0/210', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T08:15:00-03:00","energy_kwh":"0.8000","power_kw":"3.0000"}'),
 (6, 'irradiance', 'c', 1, '0/240', '0/280', 2, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"measured_at":"2026-04-02T09:00:00-03:00","irradiance_wm2":"700.00","module_temp_c":"30.00"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 3, '{"public.users":1,"public.units":1,"public.devices":1}'),
                            (2, '0/280', '2026-04-02 12:00:00+00', 3, '{"public.energy":2,"public.irradiance":1}');
select dw.apply_staged('{}');
commit;

-- the shadow: what a rebuild from the same log holds
create schema dw_shadow;
create table dw_shadow.fact_energy as select * from dw.fact_energy;
create table dw_shadow.dim_users as select * from dw.dim_users;
create table dw_shadow.dim_units as select * from dw.dim_units;
create table dw_shadow.dim_devices as select * from dw.dim_devices;
create table dw_shadow.irradiance_mirror as select * from dw.irradiance_mirror;
create table dw_shadow.dim_day_climate as select * from dw.dim_day_climate;

create function pg_temp.diffs() returns text language sql as $$
  select coalesce(string_agg(check_name || ' [' || key || ']: ' || detail, '; ' order by check_name, key), '')
    from dw.compare_with_shadow('dw_shadow')
$$;

do $$ begin
  assert pg_temp.diffs() = '', pg_temp.diffs();
end $$;

-- planted in the live warehouse: a ledger entry changed, a member's attribute, a day's readings
update dw.fact_energy set generated_kwh = 0.9 where source_table = 'energy' and source_id = 2;
update dw.dim_units set name = 'Barn' where unit_id = 7 and is_current;
update dw.dim_day_climate set sample_count = 2 where unit_id = 7;
do $$ begin
  assert pg_temp.diffs() like 'dim_day_climate [7 2026-04-02]: live 2 readings%; dim_units [7]: current version differs; fact_energy sums [energy 2]: live 0.9%shadow 0.8000%',
         pg_temp.diffs();
end $$;
update dw.fact_energy set generated_kwh = 0.8 where source_table = 'energy' and source_id = 2;
update dw.dim_units set name = 'Roof' where unit_id = 7 and is_current;
update dw.dim_day_climate set sample_count = 1 where unit_id = 7;

-- the live warehouse went on after the shadow's last change: not compared
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'energy', 'u', 1, '0/300', '0/380', 3, '2026-04-03 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"2.0000","power_kw":"4.0000"}'),
 (2, 'energy', 'c', 3, '0/310', '0/380', 3, '2026-04-03 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T08:30:00-03:00","energy_kwh":"0.5000","power_kw":"2.0000"}');
insert into stage_tx values (3, '0/380', '2026-04-03 12:00:00+00', 2, '{"public.energy":2}');
select dw.apply_staged('{}');
commit;
do $$ begin
  assert pg_temp.diffs() = '', 'later changes are not compared: ' || pg_temp.diffs();
end $$;

-- a row an operator released from quarantine in dw only: not compared
delete from dw_shadow.fact_energy where source_table = 'energy' and source_id = 2;
do $$ begin
  assert pg_temp.diffs() = 'fact_energy sums [energy 2]: in the live warehouse only', pg_temp.diffs();
end $$;
insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules, status)
values ('energy', 2, '0/280', '0/210', 'c', '2026-04-02 12:00:00+00', '{}', '{energy.energy_kwh.range}', 'released');
do $$ begin
  assert pg_temp.diffs() = '', pg_temp.diffs();
end $$;
