-- Transaction consistency: with the option on, nothing of a source transaction
-- is visible until all of its events (the END's counts) have arrived, and
-- transactions become visible in commit order; duplicates and replays change
-- nothing; switching the option off releases what is held.
select dw.create_staging();

-- batch 1: tx A (0/190) has four events; three arrive with its END
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (4, 'energy', 'c', 1, '0/130', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-07-01T10:00:00-03:00","energy_kwh":"1.0000","power_kw":null}');
-- the END twice in one batch (capture re-sends after a restart): counted once
insert into stage_tx values (1, '0/190', '2026-07-01 00:00:00+00', 4,
  '[{"data_collection":"public.users","event_count":1},{"data_collection":"public.units","event_count":1},{"data_collection":"public.devices","event_count":1},{"data_collection":"public.energy","event_count":1}]'),
                            (1, '0/190', '2026-07-01 00:00:00+00', 4,
  '[{"data_collection":"public.users","event_count":1},{"data_collection":"public.units","event_count":1},{"data_collection":"public.devices","event_count":1},{"data_collection":"public.energy","event_count":1}]');
do $$ begin
  assert (select (dw.apply_staged('{"transaction_consistency": true}')->>'held')::int) = 3, 'three changes held';
end $$;
commit;

do $$ begin
  assert (select count(*) from dw.dim_users) = 0, 'no user of an incomplete transaction';
  assert (select count(*) from dw.dim_units) = 0, 'no unit of an incomplete transaction';
  assert (select count(*) from dw.fact_energy) = 0, 'no fact of an incomplete transaction';
  assert (select count(*) from dw.held_change) = 3, 'held in the warehouse';
  assert (select dim_expected = 3 and tc_expected = 4 from dw.tx_log where commit_lsn = '0/190'),
    'a duplicated END is counted once';
end $$;

-- batch 2: tx B (0/290) arrives whole, but A is still incomplete: B waits for A
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (5, 'devices', 'u', 5, '0/200', '0/290', 2, '2026-07-02 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active","firmware_version":"2"}');
insert into stage_tx values (2, '0/290', '2026-07-02 00:00:00+00', 1, '{"public.devices":1}');
select dw.apply_staged('{"transaction_consistency": true}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_devices) = 0, 'B is whole but comes after A';
  assert (select count(*) from dw.held_change) = 4, 'A and B held';
end $$;

-- batch 3: A's missing event, and a duplicate of one already held
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (3, 'devices', 'c', 5, '0/120', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active","firmware_version":"1"}'),
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}');
do $$ begin
  assert (select (dw.apply_staged('{"transaction_consistency": true}')->>'held')::int) = 0, 'nothing left held';
end $$;
commit;

do $$
declare r record;
begin
  assert (select count(*) from dw.dim_users) = 1, 'A applied';
  assert (select count(*) from dw.dim_devices) = 2, 'A and B applied: two device versions';
  assert (select commit_lsn from dw.tc_horizon) = '0/290', 'released up to B';
  select d.version, d.firmware_version, f.entry_kind into r
    from dw.fact_energy f join dw.dim_devices d using (device_key);
  assert r.version = 1 and r.firmware_version = '1' and r.entry_kind = 'original',
    'A''s reading pairs with the device version of A, not B''s';
end $$;

-- batch 4: a replay of A (events and END) changes nothing
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (3, 'devices', 'c', 5, '0/120', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active","firmware_version":"1"}'),
 (4, 'energy', 'c', 1, '0/130', '0/190', 1, '2026-07-01 00:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-07-01T10:00:00-03:00","energy_kwh":"1.0000","power_kw":null}');
insert into stage_tx values (1, '0/190', '2026-07-01 00:00:00+00', 4, '{"public.users":1,"public.units":1,"public.devices":1,"public.energy":1}');
select dw.apply_staged('{"transaction_consistency": true}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_users) = 1 and (select count(*) from dw.dim_devices) = 2
     and (select count(*) from dw.fact_energy) = 1, 'the replay added nothing';
  assert (select count(*) from dw.held_change) = 0, 'a replay below the horizon is not held';
end $$;

-- batch 5: tx C (0/390, a reading) arrives without its END and is held; an
-- END of a transaction of collections apply does not consume (0 events of
-- interest) does not block; switching the option off releases C
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (6, 'energy', 'c', 2, '0/300', '0/390', 3, '2026-07-03 00:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-07-02T10:00:00-03:00","energy_kwh":"2.0000","power_kw":null}');
insert into stage_tx values (9, '0/350', '2026-07-02 12:00:00+00', 2, '{"public.audit_log":2}');
do $$ begin
  assert (select (dw.apply_staged('{"transaction_consistency": true}')->>'held')::int) = 1, 'C held';
  assert (select commit_lsn from dw.tc_horizon) = '0/350', 'a transaction of other collections is whole at once';
end $$;
commit;
begin;
insert into stage_tx values (3, '0/390', '2026-07-03 00:00:00+00', 1, '{"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.held_change) = 0, 'option off: released';
  assert (select count(*) from dw.fact_energy) = 2, 'C applied once released';
  assert (select count(*) from dw.tc_horizon) = 0, 'horizon forgotten with the option off';
end $$;
