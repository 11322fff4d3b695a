-- The truncate barrier: a truncate waits until every event of its table
-- committed before it has arrived (the END counts), whatever partition brings
-- each; the changes of the table committed after it wait with it. Applied in
-- arrival order instead, the truncate would come before user 2's and energy
-- 2's inserts (tx 1b, still on partition 1), which would then be dropped as
-- superseded: no version for user 2, no original and reversal for energy 2.
-- An event sent twice (a capture restart) is counted once.
select dw.create_staging();

-- batch 1: partition 0's events (tx 1), and the ENDs of tx 1, 1b, 2 and 3
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0),
 (2, 'units', 'c', 7, '0/110', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":7,"user_id":1,"name":"P","status":"active"}', 0),
 (3, 'devices', 'c', 3, '0/120', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":3,"unit_id":7,"serial_number":"S3","kind":"inverter","status":"active"}', 0),
 (4, 'energy', 'c', 1, '0/140', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":1,"device_id":3,"measured_at":"2026-06-01T10:00:00-03:00","energy_kwh":"1.0000","power_kw":"1.0000"}', 0);
insert into stage_tx values
 (1, '0/190', '2026-06-01 12:00:00+00', 4, '{"public.users":1,"public.units":1,"public.devices":1,"public.energy":1}'),
 (11, '0/1A0', '2026-06-01 12:30:00+00', 2, '{"public.users":1,"public.energy":1}'),
 (2, '0/290', '2026-06-01 13:00:00+00', 2, '{"public.users":1,"public.energy":1}'),
 (3, '0/390', '2026-06-01 14:00:00+00', 2, '{"public.users":1,"public.energy":1}');
select dw.apply_staged('{}');
commit;

-- batch 2: the truncates of tx 2 (partition 2), tx 3's inserts (partition 0),
-- and user 1's insert again (a re-send on partition 0)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (10, 'users', 't', null, '0/200', '0/290', 2, '2026-06-01 13:00:00+00', null, 2),
 (11, 'energy', 't', null, '0/200', '0/290', 2, '2026-06-01 13:00:00+00', null, 2),
 (12, 'users', 'c', 1, '0/100', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0),
 (13, 'users', 'c', 3, '0/300', '0/390', 3, '2026-06-01 14:00:00+00', '{"id":3,"name":"C","email":"c@x","status":"active"}', 0),
 (14, 'energy', 'c', 3, '0/310', '0/390', 3, '2026-06-01 14:00:00+00', '{"id":3,"device_id":3,"measured_at":"2026-06-01T12:00:00-03:00","energy_kwh":"3.0000","power_kw":"1.0000"}', 0);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert not exists (select 1 from dw.tx_arrival where commit_lsn = '0/190'),
         'tx 1 complete and forgotten: user 1 sent twice on partition 0 did not count twice';
  assert (select dw._arrived(commit_lsn, source_table) || '/' || expected from dw.tx_arrival where commit_lsn = '0/1A0' and source_table = 'users') = '0/1',
         'tx 1b: user 2 not arrived';
  assert not exists (select 1 from dw.applied_truncate), 'no truncate applied: user 2 and energy 2 have not arrived';
  assert (select count(*) from dw.pending_dim) = 2, 'the users truncate and user 3 wait';
  assert not exists (select 1 from dw.dim_users where user_id = 3), 'user 3 waits behind the truncate';
  assert (select not is_deleted from dw.dim_users where user_id = 1 and is_current), 'user 1 still live';
  assert (select count(*) from dw.pending_fact where source_table = 'energy' and row_id is null) = 1, 'the energy truncate waits';
  assert (select string_agg(entry_kind, ',') from dw.fact_energy where source_id = 1) = 'original', 'energy 1 applied';
end $$;

-- batch 3: partition 1 brings user 2 and energy 2 (tx 1b): every truncate is ripe
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (20, 'users', 'c', 2, '0/130', '0/1A0', 11, '2026-06-01 12:30:00+00', '{"id":2,"name":"B","email":"b@x","status":"active"}', 1),
 (21, 'energy', 'c', 2, '0/150', '0/1A0', 11, '2026-06-01 12:30:00+00', '{"id":2,"device_id":3,"measured_at":"2026-06-01T11:00:00-03:00","energy_kwh":"2.0000","power_kw":"1.0000"}', 1);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.applied_truncate) = 2, 'both truncates applied';
  assert (select string_agg(version || ':' || is_deleted || ':' || valid_from, ',' order by version) from dw.dim_users where user_id = 2)
         = '1:false:2026-06-01 12:30:00+00,2:true:2026-06-01 13:00:00+00', 'user 2: version 1 from its insert, deleted at the truncate';
  assert (select is_deleted from dw.dim_users where user_id = 1 and is_current), 'user 1 deleted at the truncate';
  assert (select string_agg(version || ':' || is_deleted, ',') from dw.dim_users where user_id = 3) = '1:false', 'user 3 live after it';
  assert (select string_agg(entry_kind || ':' || generated_kwh, ',' order by source_lsn) from dw.fact_energy
           where source_table = 'energy' and source_id = 2) = 'original:2.0000,reversal:-2.0000', 'energy 2: original, reversed at the truncate';
  assert (select string_agg(entry_kind, ',' order by source_lsn) from dw.fact_energy
           where source_table = 'energy' and source_id = 1) = 'original,reversal', 'energy 1: original, reversed at the truncate';
  assert (select string_agg(entry_kind, ',') from dw.fact_energy where source_table = 'energy' and source_id = 3) = 'original',
         'energy 3 (after the truncate) is not reversed';
  assert not exists (select 1 from dw.pending_dim), 'nothing waits';
  assert not exists (select 1 from dw.pending_fact), 'no fact waits';
  assert not exists (select 1 from dw.tx_arrival), 'complete transactions forgotten';
  assert not exists (select 1 from dw.tx_arrival_partition), 'their partitions too';
end $$;

-- The same for a fact table alone (no dimension event holds the watermark):
-- tx 4 inserts energy 4 (partition 0) and 5 (partition 1), tx 5 truncates
-- energy, tx 6 inserts energy 6 (partition 0). Partition 1 comes last.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (40, 'energy', 'c', 4, '0/400', '0/490', 4, '2026-06-02 12:00:00+00', '{"id":4,"device_id":3,"measured_at":"2026-06-02T10:00:00-03:00","energy_kwh":"4.0000","power_kw":"1.0000"}', 0),
 (41, 'energy', 't', null, '0/500', '0/590', 5, '2026-06-02 13:00:00+00', null, 2),
 (42, 'energy', 'c', 6, '0/600', '0/690', 6, '2026-06-02 14:00:00+00', '{"id":6,"device_id":3,"measured_at":"2026-06-02T12:00:00-03:00","energy_kwh":"6.0000","power_kw":"1.0000"}', 0);
insert into stage_tx values
 (4, '0/490', '2026-06-02 12:00:00+00', 2, '{"public.energy":2}'),
 (5, '0/590', '2026-06-02 13:00:00+00', 1, '{"public.energy":1}'),
 (6, '0/690', '2026-06-02 14:00:00+00', 1, '{"public.energy":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select string_agg(entry_kind, ',') from dw.fact_energy where source_id = 4) = 'original', 'energy 4 applied';
  assert not exists (select 1 from dw.applied_truncate where commit_lsn = '0/590'), 'the truncate waits for energy 5';
  assert not exists (select 1 from dw.fact_energy where source_id = 6), 'energy 6 waits behind it';
end $$;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (50, 'energy', 'c', 5, '0/410', '0/490', 4, '2026-06-02 12:00:00+00', '{"id":5,"device_id":3,"measured_at":"2026-06-02T11:00:00-03:00","energy_kwh":"5.0000","power_kw":"1.0000"}', 1);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select string_agg(entry_kind, ',' order by source_lsn) from dw.fact_energy where source_id = 4) = 'original,reversal', 'energy 4 reversed';
  assert (select string_agg(entry_kind, ',' order by source_lsn) from dw.fact_energy where source_id = 5) = 'original,reversal',
         'energy 5: its original, then reversed (not dropped as superseded)';
  assert (select string_agg(entry_kind, ',') from dw.fact_energy where source_id = 6) = 'original', 'energy 6 stays';
  assert not exists (select 1 from dw.pending_fact), 'nothing waits';
end $$;
