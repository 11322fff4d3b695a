-- Arrivals are counted per Kafka partition (migration 12): each partition's row has one
-- writer, its holder, so appliers sharing the warehouse (apply.parallel) never wait for each
-- other to count. A transaction's table is complete when its partitions' counts reach its
-- END's (dw._arrived); complete transactions are forgotten, including those that two
-- appliers completed at once without either seeing it (a later batch prunes them), and a
-- repeat of a forgotten transaction leaves nothing behind.
select dw.create_staging();

-- batch 1: tx 1's users 1 (partition 0) and 2 (partition 1) and its END: complete at once;
-- tx 2's END (two users) and its user 3 (partition 0): one of two arrived
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0),
 (2, 'users', 'c', 2, '0/110', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":2,"name":"B","email":"b@x","status":"active"}', 1),
 (3, 'users', 'c', 3, '0/200', '0/290', 2, '2026-06-01 13:00:00+00', '{"id":3,"name":"C","email":"c@x","status":"active"}', 0);
insert into stage_tx values
 (1, '0/190', '2026-06-01 12:00:00+00', 2, '{"public.users":2}'),
 (2, '0/290', '2026-06-01 13:00:00+00', 2, '{"public.users":2}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert not exists (select 1 from dw.tx_arrival where commit_lsn = '0/190'), 'tx 1 complete and forgotten';
  assert not exists (select 1 from dw.tx_arrival_partition where commit_lsn = '0/190'), 'its partitions too';
  assert (select dw._arrived(commit_lsn, source_table) || '/' || expected from dw.tx_arrival where commit_lsn = '0/290') = '1/2',
         'tx 2: one user of two arrived';
  assert (select string_agg(kpartition || ':' || arrived, ',') from dw.tx_arrival_partition where commit_lsn = '0/290') = '0:1',
         'counted on partition 0''s row';
end $$;

-- Two appliers completing tx 2 at once, neither seeing the other's count, would leave it
-- complete and unpruned: as if partition 1's count came in without a look at the total.
insert into dw.tx_arrival_partition (commit_lsn, source_table, kpartition, max_lsn, max_row, arrived)
values ('0/290', 'users', 1, '0/210', 4, 1);

-- batch 2: user 1 sent again on partition 0 (tx 1, forgotten: a capture restart's re-send)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (10, 'users', 'c', 1, '0/100', '0/190', 1, '2026-06-01 12:00:00+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert not exists (select 1 from dw.tx_arrival), 'tx 2, left complete, pruned by the next batch';
  assert not exists (select 1 from dw.tx_arrival_partition), 'the re-send of forgotten tx 1 left no row';
  assert (select count(*) from dw.dim_users where is_current) = 3, 'users 1, 2 and 3 applied once';
end $$;
