-- A batch may end inside a source transaction. Dimension versions are per
-- transaction, so a member's changes of one transaction wait until all of them
-- (the END's count) have arrived: applied half now and half later, a type-1
-- change would overwrite the version the transaction closes, and a type-2
-- change undone later in the same transaction would open a version of its own.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (1, 'users', 'c', 1, '0/100', '0/190', 1, '2026-08-01 12:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active","phone":null,"document":null}', 0),
 (2, 'users', 'c', 2, '0/110', '0/190', 1, '2026-08-01 12:00:00+00', '{"id":2,"name":"Bia","email":"b@x","status":"active","phone":null,"document":null}', 1);
insert into stage_tx values (1, '0/190', '2026-08-01 12:00:00+00', 2, '{"public.users":2}');
select dw.apply_staged('{}');
commit;

-- tx 2: user 1 renamed (type 1) then suspended (type 2); user 2 suspended,
-- renamed, and active again (no type-2 change at commit). The batch ends after
-- the first change of each.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (3, 'users', 'u', 1, '0/200', '0/290', 2, '2026-08-02 12:00:00+00', '{"id":1,"name":"Ana Maria","email":"a@x","status":"active","phone":null,"document":null}', 0),
 (4, 'users', 'u', 2, '0/210', '0/290', 2, '2026-08-02 12:00:00+00', '{"id":2,"name":"Bia","email":"b@x","status":"suspended","phone":null,"document":null}', 1);
insert into stage_tx values (2, '0/290', '2026-08-02 12:00:00+00', 5, '{"public.users":5}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.pending_dim) = 2, 'the first halves wait for the rest of their transaction';
  assert (select name from dw.dim_users where user_id = 1 and is_current) = 'Ana', 'user 1 unchanged so far';
end $$;

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, kpartition) values
 (5, 'users', 'u', 1, '0/220', '0/290', 2, '2026-08-02 12:00:00+00', '{"id":1,"name":"Ana Maria","email":"a@x","status":"suspended","phone":null,"document":null}', 0),
 (6, 'users', 'u', 2, '0/230', '0/290', 2, '2026-08-02 12:00:00+00', '{"id":2,"name":"Bia Lima","email":"b@x","status":"suspended","phone":null,"document":null}', 1),
 (7, 'users', 'u', 2, '0/240', '0/290', 2, '2026-08-02 12:00:00+00', '{"id":2,"name":"Bia Lima","email":"b@x","status":"active","phone":null,"document":null}', 1);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select string_agg(version || ':' || name || ':' || status, ',' order by version) from dw.dim_users where user_id = 1)
         = '1:Ana:active,2:Ana Maria:suspended', 'user 1: version 1 keeps its name; the transaction opened version 2 with both changes';
  assert (select string_agg(version || ':' || name || ':' || status, ',' order by version) from dw.dim_users where user_id = 2)
         = '1:Bia Lima:active', 'user 2: no type-2 change at commit, the rename overwrites version 1';
  assert not exists (select 1 from dw.pending_dim), 'nothing waits';
end $$;
