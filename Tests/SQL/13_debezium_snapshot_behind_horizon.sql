-- Debezium's record form frames no snapshot: apply records an END announcing
-- no events for the snapshot's position with its rows. The transaction topic
-- can run ahead of the change topics: here a facts-only transaction after the
-- snapshot is complete first and takes the dimension watermark (and its
-- horizon) past the snapshot's position. The snapshot's END, arriving behind
-- the horizon, must still be recorded: taken for a repeat and ignored, it would
-- leave the snapshot's rows held for ever by transaction consistency, and
-- every later transaction behind them.
select dw.create_staging();

-- batch 1: the END of tx 10 (one energy insert after the snapshot; the insert
-- itself is still on its way)
begin;
insert into stage_tx values
 (10, '0/300', '2026-06-01 13:00:00+00', 1, '[{"data_collection":"public.energy","event_count":1}]');
select dw.apply_staged('{"debezium_form": true, "transaction_consistency": true}');
commit;

do $$ begin
  assert (select commit_lsn from dw.tx_log_horizon) >= '0/300', 'the watermark passed tx 10 (no dimension events)';
end $$;

-- batch 2: the snapshot's rows (at the consistent point 0/100, one byte below
-- it as lsn) with the END apply makes for them
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (2, 'users', 'r', 1, '0/FF', '0/100', 9, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0),
 (3, 'units', 'r', 7, '0/FF', '0/100', 9, '2026-06-01 12:00:00+00', '{"id":7,"user_id":1,"name":"P","status":"active"}', 2),
 (4, 'devices', 'r', 3, '0/FF', '0/100', 9, '2026-06-01 12:00:00+00', '{"id":3,"unit_id":7,"serial_number":"S3","kind":"inverter","status":"active"}', 3),
 (5, 'energy', 'r', 1, '0/FF', '0/100', 9, '2026-06-01 12:00:00+00', '{"id":1,"device_id":3,"measured_at":"2026-06-01T10:00:00-03:00","energy_kwh":"1.0000","power_kw":"1.0000"}', 3);
insert into stage_tx values (9, '0/100', '2026-06-01 12:00:00+00', 0, '[]');
select dw.apply_staged('{"debezium_form": true, "transaction_consistency": true}');
commit;

do $$ begin
  assert not exists (select 1 from dw.held_change), 'the snapshot is released';
  assert exists (select 1 from dw.dim_users where user_id = 1 and is_current), 'the snapshot''s user applied';
end $$;

-- batch 3: tx 10's insert
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (6, 'energy', 'c', 5, '0/280', null, 10, '2026-06-01 13:00:00+00', '{"id":5,"device_id":3,"measured_at":"2026-06-01T11:00:00-03:00","energy_kwh":"5.0000","power_kw":"1.0000"}', 1);
select dw.apply_staged('{"debezium_form": true, "transaction_consistency": true}');
commit;

do $$ begin
  assert not exists (select 1 from dw.held_change), 'nothing held: the snapshot and tx 10 are released';
  assert exists (select 1 from dw.dim_users where user_id = 1 and is_current), 'the snapshot''s user applied';
  assert (select count(*) from dw.fact_energy where entry_kind = 'original') = 2, 'the snapshot''s reading and tx 10''s';
end $$;
