-- Debezium's record form: change events carry their transaction id but no
-- commit_lsn (staged null); the END on the transaction topic (id
-- <txId>:<commit LSN>) gives it. Changes whose END has not arrived wait in
-- dw.unresolved_change; once joined, they are applied exactly as Helio's form.
-- An END is forgotten once all the events it announced have joined (a re-sent
-- event is not counted twice). Transaction ids wrap: a change joins the first
-- END of its tx_id after its own lsn.
select dw.create_staging();

-- batch 1: tx 5's events, its END not yet consumed
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'users', 'c', 1, '0/100', null, 5, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0),
 (2, 'units', 'c', 7, '0/110', null, 5, '2026-06-01 12:00:00+00', '{"id":7,"user_id":1,"name":"P","status":"active"}', 1),
 (3, 'devices', 'c', 3, '0/120', null, 5, '2026-06-01 12:00:00+00', '{"id":3,"unit_id":7,"serial_number":"S3","kind":"inverter","status":"active"}', 2),
 (4, 'energy', 'c', 1, '0/140', null, 5, '2026-06-01 12:00:00+00', '{"id":1,"device_id":3,"measured_at":"2026-06-01T10:00:00-03:00","energy_kwh":"1.0000","power_kw":"1.0000"}', 3);
do $$ begin
  assert (select (dw.apply_staged('{"debezium_form": true}')->>'awaiting_end')::int) = 4, 'all four wait for their END';
end $$;
commit;

do $$ begin
  assert (select count(*) from dw.unresolved_change) = 4, 'tx 5 waits';
  assert not exists (select 1 from dw.dim_users), 'nothing applied without a commit position';
  assert not exists (select 1 from dw.fact_energy), 'no ledger entry without a commit position';
end $$;

-- batch 2: tx 5's END and tx 6's END (tx 6's event comes later); user 1 sent again
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (10, 'users', 'c', 1, '0/100', null, 5, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0);
insert into stage_tx values
 (5, '0/190', '2026-06-01 12:00:00+00', 5, '[{"data_collection":"public.users","event_count":1},{"data_collection":"public.units","event_count":1},{"data_collection":"public.devices","event_count":1},{"data_collection":"public.energy","event_count":1},{"data_collection":"LogicalDecodingMessageMonitor$LogicalDecodingMessageId@1","event_count":1}]'),
 (6, '0/290', '2026-06-01 13:00:00+00', 1, '[{"data_collection":"public.energy","event_count":1}]');
select dw.apply_staged('{"debezium_form": true}');
commit;

do $$ begin
  assert not exists (select 1 from dw.unresolved_change), 'tx 5 joined its END';
  assert (select source_lsn from dw.dim_users where user_id = 1 and is_current) = '0/100', 'user 1 applied once';
  assert (select count(*) from dw.dim_users) = 1, 'user 1 sent twice: one version';
  assert (select string_agg(entry_kind || '@' || source_commit_lsn, ',') from dw.fact_energy where source_id = 1) = 'original@0/190',
         'energy 1 keyed by its commit position';
  assert not exists (select 1 from dw.tx_commit where tx_id = 5), 'tx 5 complete (4 distinct events of modelled tables): forgotten';
  assert not exists (select 1 from dw.tx_commit_event where commit_lsn = '0/190'), 'its joined events forgotten with it';
  assert (select expected from dw.tx_commit where tx_id = 6) = 1, 'tx 6 waits for its event';
end $$;

-- batch 3: tx 6's update of energy 1 arrives after its END
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (20, 'energy', 'u', 1, '0/240', null, 6, '2026-06-01 13:00:00+00', '{"id":1,"device_id":3,"measured_at":"2026-06-01T10:00:00-03:00","energy_kwh":"1.5000","power_kw":"1.0000"}', 3);
select dw.apply_staged('{"debezium_form": true}');
commit;

do $$ begin
  assert (select string_agg(entry_kind || '@' || source_commit_lsn, ',' order by source_commit_lsn, entry_kind desc) from dw.fact_energy where source_id = 1)
         = 'original@0/190,correction@0/290', 'the update joined tx 6 and became a correction';
  assert not exists (select 1 from dw.tx_commit), 'every END forgotten';
end $$;

-- batch 4: tx id 7 twice (wrapped around): each change joins the first END of
-- its tx_id after its own lsn
begin;
insert into stage_tx values
 (7, '0/A90', '2026-06-01 14:00:00+00', 1, '[{"data_collection":"public.users","event_count":1}]'),
 (7, '0/B90', '2026-06-01 15:00:00+00', 1, '[{"data_collection":"public.users","event_count":1}]');
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (30, 'users', 'u', 1, '0/B00', null, 7, '2026-06-01 15:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"closed"}', 0),
 (31, 'users', 'u', 1, '0/A00', null, 7, '2026-06-01 14:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"suspended"}', 1);
select dw.apply_staged('{"debezium_form": true}');
commit;

do $$ begin
  assert (select status from dw.dim_users where user_id = 1 and is_current) = 'closed', 'the later transaction wins';
  assert (select string_agg(status || '@' || source_lsn, ',' order by version) from dw.dim_users where user_id = 1)
         = 'active@0/100,suspended@0/A00,closed@0/B00', 'each update in its own transaction (status is type 2), in commit order';
  assert not exists (select 1 from dw.tx_commit), 'both forgotten';
end $$;
