-- An operator pauses one table's apply (dw.apply_pause) and resumes it
-- (dw.apply_resume): while paused, its changes are held in dw.quarantine in
-- source order, counted as arrived, so that the other tables go on — facts keep
-- applying, keyed to inferred members for what the paused dimension has not
-- delivered, as late-arriving dimensions are; on resume they apply in order
-- and the table catches up. Both idempotent.
select dw.create_staging();

create function pg_temp.batch(p_rows jsonb, p_tx jsonb) returns jsonb language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select (r->>'seq')::bigint, r->>'t', r->>'op', (r->>'id')::bigint, (r->>'lsn')::pg_lsn, (r->>'commit')::pg_lsn,
         (r->>'tx')::bigint, (r->>'ts')::timestamptz, r->'after'
    from jsonb_array_elements(p_rows) r;
  insert into stage_tx select (x->>'tx')::bigint, (x->>'commit')::pg_lsn, (x->>'ts')::timestamptz, (x->>'n')::int, x->'c'
    from jsonb_array_elements(p_tx) x;
  return dw.apply_batch('{}');
end $$;

begin;
select pg_temp.batch('[
 {"seq":1,"t":"users","op":"c","id":1,"lsn":"0/100","commit":"0/180","tx":1,"ts":"2026-04-01 00:00:00+00","after":{"id":1,"name":"Ana","email":"a@x","status":"active"}},
 {"seq":2,"t":"units","op":"c","id":7,"lsn":"0/110","commit":"0/180","tx":1,"ts":"2026-04-01 00:00:00+00","after":{"id":7,"user_id":1,"name":"Roof","city":"Recife","status":"active"}},
 {"seq":3,"t":"devices","op":"c","id":5,"lsn":"0/130","commit":"0/180","tx":1,"ts":"2026-04-01 00:00:00+00","after":{"id":5,"unit_id":7,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}}]',
 '[{"tx":1,"commit":"0/180","ts":"2026-04-01 00:00:00+00","n":3,"c":{"public.users":1,"public.units":1,"public.devices":1}}]');
commit;

do $$ begin
  assert dw.apply_pause('units', 'ops'), 'paused';
  assert not dw.apply_pause('units', 'ops'), 'pausing again changes nothing';
end $$;

begin;
select pg_temp.batch('[
 {"seq":1,"t":"units","op":"u","id":7,"lsn":"0/1000","commit":"0/1100","tx":10,"ts":"2026-04-02 12:00:00+00","after":{"id":7,"user_id":1,"name":"Roof","city":"Olinda","status":"active"}},
 {"seq":2,"t":"units","op":"c","id":8,"lsn":"0/1010","commit":"0/1100","tx":10,"ts":"2026-04-02 12:00:00+00","after":{"id":8,"user_id":1,"name":"Barn","city":"Recife","status":"active"}},
 {"seq":3,"t":"devices","op":"c","id":9,"lsn":"0/1020","commit":"0/1100","tx":10,"ts":"2026-04-02 12:00:00+00","after":{"id":9,"unit_id":8,"kind":"inverter","nominal_power_kw":"4.000","status":"active"}},
 {"seq":4,"t":"energy","op":"c","id":1,"lsn":"0/1030","commit":"0/1100","tx":10,"ts":"2026-04-02 12:00:00+00","after":{"id":1,"device_id":9,"measured_at":"2026-04-02T08:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}},
 {"seq":5,"t":"units","op":"u","id":7,"lsn":"0/2000","commit":"0/2100","tx":20,"ts":"2026-04-03 12:00:00+00","after":{"id":7,"user_id":1,"name":"Roof","city":"Natal","status":"active"}}]',
 '[{"tx":10,"commit":"0/1100","ts":"2026-04-02 12:00:00+00","n":4,"c":{"public.units":2,"public.devices":1,"public.energy":1}},
   {"tx":20,"commit":"0/2100","ts":"2026-04-03 12:00:00+00","n":1,"c":{"public.units":1}}]');
commit;

do $$ begin
  assert (select count(*) from dw.quarantine where source_table = 'units' and status = 'held' and rules = '{paused}') = 3, 'units held';
  assert (select city from dw.dim_units where unit_id = 7 and is_current) = 'Recife', 'the paused table does not change';
  assert (select is_inferred from dw.dim_units where unit_id = 8), 'a fact''s unit the paused table has not delivered: inferred';
  assert (select count(*) from dw.fact_energy where source_table = 'energy' and source_id = 1) = 1, 'facts go on';
  assert (select device_id from dw.dim_devices where device_id = 9 and is_current) = 9, 'other dimensions go on';
  assert dw.dim_watermark() >= '0/2100', 'the held changes counted as arrived';
end $$;

do $$ begin
  assert dw.apply_resume('units', '{}', 'ops') = 3, 'resumed: three applied';
  assert dw.apply_resume('units', '{}', 'ops') = 0, 'resuming again changes nothing';
  assert (select string_agg(city, ',' order by version) from dw.dim_units where unit_id = 7) = 'Recife,Olinda,Natal', 'in source order, one version each';
  assert (select not is_inferred and name = 'Barn' from dw.dim_units where unit_id = 8 and is_current), 'the inferred member filled in';
  assert not exists (select 1 from dw.quarantine where status = 'held'), 'nothing held';
end $$;

-- after resume the table applies directly
begin;
select pg_temp.batch('[
 {"seq":1,"t":"units","op":"u","id":7,"lsn":"0/3000","commit":"0/3100","tx":30,"ts":"2026-04-04 12:00:00+00","after":{"id":7,"user_id":1,"name":"Roof","city":"Salvador","status":"active"}}]',
 '[{"tx":30,"commit":"0/3100","ts":"2026-04-04 12:00:00+00","n":1,"c":{"public.units":1}}]');
commit;
do $$ begin
  assert (select city from dw.dim_units where unit_id = 7 and is_current) = 'Salvador', 'applied';
  assert (select count(*) from dw.quarantine where status = 'held') = 0, 'nothing held';
end $$;

-- resume never counts a held change twice: a transaction whose other dimension change has
-- not arrived stays incomplete (the watermark waits) until it does
do $$ begin
  assert dw.apply_pause('units', 'ops'), 'paused again';
end $$;
begin;
select pg_temp.batch('[
 {"seq":1,"t":"units","op":"u","id":7,"lsn":"0/4000","commit":"0/4100","tx":40,"ts":"2026-04-05 12:00:00+00","after":{"id":7,"user_id":1,"name":"Roof","city":"Recife","status":"active"}}]',
 '[{"tx":40,"commit":"0/4100","ts":"2026-04-05 12:00:00+00","n":2,"c":{"public.units":1,"public.devices":1}}]');
commit;
do $$ begin
  assert dw.dim_watermark() < '0/4100', 'the devices change has not arrived';
  assert dw.apply_resume('units', '{}', 'ops') = 1, 'resumed';
  assert dw.dim_watermark() < '0/4100', 'the released change is not counted twice: ' || dw.dim_watermark();
end $$;
begin;
select pg_temp.batch('[
 {"seq":1,"t":"devices","op":"u","id":5,"lsn":"0/4010","commit":"0/4100","tx":40,"ts":"2026-04-05 12:00:00+00","after":{"id":5,"unit_id":7,"kind":"inverter","nominal_power_kw":"5.000","status":"active"}}]', '[]');
commit;
do $$ begin
  assert dw.dim_watermark() >= '0/4100', 'complete once the devices change arrived: ' || dw.dim_watermark();
end $$;
