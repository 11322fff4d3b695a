-- Delete closes the current version and opens a deleted one; re-insert opens a
-- live version; insert+delete inside one transaction; truncate deletes every
-- live member; duplicates and replays change nothing; a late change at or
-- below an applied truncate is superseded.
select dw.create_staging();

create temp table batch1 as select * from (values
 (1, 'devices', 'c', 5, '0/110'::pg_lsn, '0/190'::pg_lsn, 10, '2026-02-01 08:00:00+00'::timestamptz,
  '{"id":5,"unit_id":7,"serial_number":"S5","manufacturer":"WEG","model":"M1","kind":"inverter","nominal_power_kw":"3.000","firmware_version":"1.0","status":"active","installed_at":"2025-12-01"}'::jsonb),
 (2, 'devices', 'c', 6, '0/120', '0/190', 10, '2026-02-01 08:00:00+00',
  '{"id":6,"unit_id":7,"serial_number":"S6","manufacturer":"WEG","model":"M1","kind":"meter","nominal_power_kw":null,"firmware_version":"1.0","status":"active","installed_at":null}'),
 (3, 'devices', 'd', 5, '0/210', '0/290', 20, '2026-02-02 08:00:00+00', null),
 (4, 'devices', 'c', 5, '0/310', '0/390', 30, '2026-02-03 08:00:00+00',
  '{"id":5,"unit_id":8,"serial_number":"S5","manufacturer":"WEG","model":"M2","kind":"inverter","nominal_power_kw":"3.000","firmware_version":"2.0","status":"active","installed_at":"2025-12-01"}'),
 -- born and deleted in one transaction: it never existed at a commit, no version
 (5, 'devices', 'c', 9, '0/320', '0/390', 30, '2026-02-03 08:00:00+00',
  '{"id":9,"unit_id":7,"serial_number":"S9","manufacturer":"X","model":"M1","kind":"meter","nominal_power_kw":null,"firmware_version":"1.0","status":"active","installed_at":null}'),
 (6, 'devices', 'd', 9, '0/330', '0/390', 30, '2026-02-03 08:00:00+00', null)
) v(seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after);
create temp table tx1 as select * from (values
 (10, '0/190'::pg_lsn, '2026-02-01 08:00:00+00'::timestamptz, 2, '{"public.devices":2}'::jsonb),
 (20, '0/290', '2026-02-02 08:00:00+00', 1, '{"public.devices":1}'),
 (30, '0/390', '2026-02-03 08:00:00+00', 3, '{"public.devices":3}')) v(tx_id, commit_lsn, commit_ts, event_count, collections);

begin;
-- each event twice: duplicates inside a batch
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
select * from batch1 union all select * from batch1;
insert into stage_tx select * from tx1;
select dw.apply_staged('{}');
commit;

create temp table snap1 as select device_key, device_id, version, valid_from, valid_to, is_current, is_deleted, unit_id, model from dw.dim_devices;

do $$ begin
  assert (select count(*) from dw.dim_devices where device_id = 5) = 3, 'device 5: live, deleted, live again';
  assert (select is_deleted from dw.dim_devices where device_id = 5 and version = 2), 'v2 deleted';
  assert (select model from dw.dim_devices where device_id = 5 and version = 2) = 'M1', 'deleted version keeps last values';
  assert (select valid_from from dw.dim_devices where device_id = 5 and version = 2) = '2026-02-02 08:00:00+00', 'deleted from delete time';
  assert (select valid_to from dw.dim_devices where device_id = 5 and version = 2) = '2026-02-03 08:00:00+00', 'deleted closed by re-insert';
  assert (select not is_deleted and is_current and unit_id = 8 and version = 3 from dw.dim_devices where device_id = 5 and version = 3), 'v3 live';
  assert (select count(*) from dw.dim_devices where device_id = 9) = 0, 'insert+delete in one tx: no version';
  assert (select lsn from dw.applied_position where source_table = 'devices' and source_id = 9) = '0/330', 'but its position is recorded';
  assert (select dw.dim_watermark()) = '0/390', 'six distinct events counted once: all three transactions complete';
  assert (select dim_applied from dw.tx_log where commit_lsn = '0/390') = 3, 'tx 30: three events';
end $$;

-- full replay of the same batch: nothing changes
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) select * from batch1;
insert into stage_tx select * from tx1;
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_devices) = (select count(*) from snap1), 'replay: same row count';
  assert not exists (select * from dw.dim_devices d full join snap1 s using (device_key)
                      where row(d.device_id, d.version, d.valid_from, d.valid_to, d.is_current, d.is_deleted, d.unit_id, d.model)
                            is distinct from row(s.device_id, s.version, s.valid_from, s.valid_to, s.is_current, s.is_deleted, s.unit_id, s.model)),
         'replay: identical rows';
  assert (select dim_applied from dw.tx_log where commit_lsn = '0/390') = 3, 'replay counts nothing';
  assert (select count(*) from dw.tx_log) = 1, 'replayed ENDs below the watermark ignored';
  assert (select dw.dim_watermark()) = '0/390', 'watermark unchanged';
end $$;

-- truncate devices, then a device inserted again after it, in one batch; a
-- late change of device 6 below the truncate arrives in the next batch.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (7, 'devices', 't', null, '0/410', '0/490', 40, '2026-02-04 08:00:00+00', null),
 (7, 'devices', 't', null, '0/410', '0/490', 40, '2026-02-04 08:00:00+00', null),
 (8, 'devices', 'c', 6, '0/510', '0/590', 50, '2026-02-05 08:00:00+00',
  '{"id":6,"unit_id":7,"serial_number":"S6b","manufacturer":"WEG","model":"M3","kind":"meter","nominal_power_kw":null,"firmware_version":"1.0","status":"active","installed_at":null}');
insert into stage_tx values (40, '0/490', '2026-02-04 08:00:00+00', 1, '{"public.devices":1}'),
                            (50, '0/590', '2026-02-05 08:00:00+00', 1, '{"public.devices":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_devices where is_current and not is_deleted) = 1, 'only device 6 re-inserted is live';
  assert (select is_deleted from dw.dim_devices where device_id = 5 and is_current), 'device 5 deleted by truncate';
  assert (select version from dw.dim_devices where device_id = 5 and is_current) = 4, 'truncate opened v4';
  assert (select valid_from from dw.dim_devices where device_id = 5 and is_current) = '2026-02-04 08:00:00+00', 'at truncate time';
  assert (select version || model from dw.dim_devices where device_id = 6 and is_current) = '3M3', 'device 6: live, truncated, live';
  assert (select count(*) from dw.dim_devices where is_current) = 2, 'one current per key';
  assert (select count(*) from dw.applied_truncate where source_table = 'devices') = 1, 'truncate recorded once';
  assert (select dw.dim_watermark()) = '0/590', 'watermark up to date';
end $$;

begin;
-- replayed truncate; late: an insert of device 11 committed before the truncate, never seen before
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (9, 'devices', 't', null, '0/410', '0/490', 40, '2026-02-04 08:00:00+00', null),
 (10, 'devices', 'c', 11, '0/400', '0/401', 39, '2026-02-04 07:00:00+00',
  '{"id":11,"unit_id":7,"serial_number":"S11","manufacturer":"X","model":"M1","kind":"meter","status":"active"}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert not exists (select 1 from dw.dim_devices where device_id = 11 and not is_deleted), 'late change below truncate is superseded';
  assert (select count(*) from dw.dim_devices where device_id = 5) = 4, 'replayed truncate does nothing';
  assert (select count(*) from dw.applied_truncate) = 1, 'truncate recorded once';
  assert not exists (select 1 from dw.dim_devices a join dw.dim_devices b on b.device_id = a.device_id and b.version = a.version + 1
                     where a.valid_to is distinct from b.valid_from), 'chains without gaps';
end $$;
