-- ENDs read ahead of their transactions' events (the transaction topic is small and is
-- fetched ahead, most of all in a catch-up): each batch looks at the arrivals of its own
-- transactions, its ENDs' and the oldest few, never at every transaction waiting. Before,
-- the completeness test sat on the scan of dw.tx_arrival and summed the arrivals of every
-- waiting transaction in every batch (here 2,001 sums for a batch of one event).
select dw.create_staging();

-- batch 1: the ENDs of tx 1 (one user) and of 2,000 later transactions (two users each),
-- none of their events yet
begin;
insert into stage_tx
select g, ('0/' || to_hex(4096 + 256 * g))::pg_lsn, '2026-06-01 12:00:00+00'::timestamptz + g * interval '1 s',
       case g when 1 then 1 else 2 end, case g when 1 then '{"public.users":1}' else '{"public.users":2}' end::jsonb
  from generate_series(1, 2001) g;
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.tx_arrival where expected is not null) = 2001, 'every END waits for its events';
end $$;

-- batch 2: tx 1's user; counted with the function calls of this transaction
begin;
set local track_functions = 'all';
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'users', 'c', 1, '0/1050', '0/1100', 1, '2026-06-01 12:00:01+00', '{"id":1,"name":"A","email":"a@x","status":"active"}', 0);
select dw.apply_staged('{}');
do $$
declare
    v_calls bigint := coalesce(pg_stat_get_xact_function_calls('dw._arrived(pg_lsn, text)'::regprocedure), 0);
begin
  assert not exists (select 1 from dw.tx_arrival where commit_lsn = '0/1100'), 'tx 1 complete and forgotten';
  assert (select count(*) from dw.tx_arrival) = 2000, 'the 2,000 others still wait';
  assert (select count(*) from dw.dim_users where is_current) = 1, 'user 1 applied';
  -- the batch's transaction and the 16 oldest waiting: not the 2,001 waiting
  assert v_calls between 1 and 40, format('arrivals summed %s times for a batch of one event', v_calls);
end $$;
commit;
