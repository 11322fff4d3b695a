-- A reading committed in the same transaction as its device's move pairs with
-- the new version; a fact staged before its transaction's dimension events
-- waits for them; an END staged after the events; compensation rows wait
-- for units; unknown configuration columns are rejected; calling
-- apply_staged twice in one transaction is harmless.
select dw.create_staging();
select dw.create_staging();   -- idempotent

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'devices', 'c', 5, '0/120', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active"}');
-- no END yet: the events wait for it (versions are per source transaction,
-- and only the END says when one has arrived whole)
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.pending_dim) = 3, 'the events wait for their END';
  assert not exists (select 1 from dw.dim_users), 'nothing applied before the END';
  assert (select dw.dim_watermark()) is null, 'no watermark without END';
end $$;

-- batch 2: tx 2 (new unit 8 owned by a new user 2, device 5 moved to it, a
-- reading of device 5, a compensation row of unit 8): the END and the facts
-- arrive, but only the user event; the END of tx 1 arrives too.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (4, 'users', 'c', 2, '0/200', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":2,"name":"Bia","email":"b@x","status":"active"}'),
 (7, 'energy', 'c', 1, '0/230', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-07-01T23:00:00-03:00","energy_kwh":"1.0000","power_kw":null}'),
 (8, 'energy_compensate', 'c', 1, '0/240', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":1,"unit_id":8,"reference_month":"2026-06-01","injected_kwh":"10.0000","consumed_kwh":"5.0000","compensated_kwh":"5.0000","credit_balance_kwh":"5.0000"}');
insert into stage_tx values (1, '0/190', '2026-07-01 00:00:00+00', 3, '[{"data_collection":"public.users","event_count":1},{"data_collection":"public.units","event_count":1},{"data_collection":"public.devices","event_count":1}]'),
                            (2, '0/290', '2026-07-02 00:00:00+00', 5, '{"public.users":1,"public.units":1,"public.devices":1,"public.energy":1,"public.energy_compensate":1}');
select dw.apply_staged('{}');
select dw.apply_staged('{}');   -- twice in one transaction: nothing more
commit;

do $$ begin
  assert (select dw.dim_watermark()) = '0/190', 'END in array form counted; tx 2 incomplete';
  assert (select count(*) from dw.pending_fact) = 2, 'both facts of tx 2 wait';
  assert (select count(*) from dw.fact_energy) = 0, 'nothing keyed yet';
  assert (select dim_applied from dw.tx_log where commit_lsn = '0/290') = 1, 'user event counted once';
end $$;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (6, 'devices', 'u', 5, '0/220', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":5,"unit_id":8,"serial_number":"S5","kind":"inverter","status":"active"}'),
 (5, 'units', 'c', 8, '0/210', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":8,"user_id":2,"name":"Barn","status":"active"}');
select dw.apply_staged('{}');
commit;

do $$
declare r record;
begin
  assert (select dw.dim_watermark()) = '0/290', 'tx 2 complete';
  assert (select count(*) from dw.pending_fact) = 0, 'facts applied';
  select d.version as dv, u.unit_id, us.user_id, f.date_key, u.is_inferred into r
    from dw.fact_energy f join dw.dim_devices d using (device_key) join dw.dim_units u using (unit_key)
    join dw.dim_users us using (user_key) where f.source_table = 'energy';
  assert r.dv = 2 and r.unit_id = 8 and r.user_id = 2, 'same-transaction device move: new version, new unit, new owner';
  assert not r.is_inferred, 'no inferred member';
  assert r.date_key = 20260701, 'local day';
  select u.unit_id, us.user_id, f.date_key, f.injected_kwh into r
    from dw.fact_energy f join dw.dim_units u using (unit_key) join dw.dim_users us using (user_key)
   where f.source_table = 'energy_compensate';
  assert r.unit_id = 8 and r.user_id = 2 and r.date_key = 20260601 and r.injected_kwh = 10, 'compensation keyed';
  assert (select count(*) from dw.dim_users where is_inferred) + (select count(*) from dw.dim_units where is_inferred)
       + (select count(*) from dw.dim_devices where is_inferred) = 0, 'no inferred members at all';
end $$;

-- configuration: an unknown column is rejected, aliases are accepted
do $$ begin
  begin
    perform dw.effective_config('{"dim_units":{"type2":["colour"]}}');
    assert false, 'unknown column accepted';
  exception when invalid_parameter_value then null;
  end;
  assert (select dw.effective_config('{"type1":{"dim_users":["phone","document"]}}')->'dim_users'->'type1')
         = '["phone_masked","document_hash"]', 'aliases mapped';
  assert (select dw.effective_config('{}')->>'timezone') = 'America/Sao_Paulo', 'default zone';
  begin
    perform dw.effective_config('{"timezone":"Mars/Olympus"}');
    assert false, 'unknown zone accepted';
  exception when invalid_parameter_value then null;
  end;
end $$;

-- escape hatch: a transaction whose END will never come (its event arrived,
-- the END was lost) blocks the facts after it until the operator forces the
-- watermark past it.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (9, 'devices', 'u', 5, '0/300', '0/390', 3, '2026-07-03 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active"}'),
 (10, 'energy', 'c', 2, '0/400', '0/490', 4, '2026-07-04 00:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-07-03T12:00:00-03:00","energy_kwh":"2.0000","power_kw":null}');
insert into stage_tx values (4, '0/490', '2026-07-04 00:00:00+00', 1, '{"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.pending_fact) = 1, 'blocked by the END that never came';
  assert (select dw.force_watermark('0/490')) = '0/490', 'forced';
end $$;

begin;
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.pending_fact) = 0, 'released';
  assert (select d.unit_id from dw.fact_energy f join dw.dim_devices d using (device_key) where f.source_table = 'energy' and f.source_id = 2) = 7,
         'keyed to the version of tx 3';
end $$;
