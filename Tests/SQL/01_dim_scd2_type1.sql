-- SCD2 versioning, type-1 overwrite in place, no-op changes, several changes of
-- one row in one transaction (one version), several transactions of one row in
-- one batch (rounds), numeric compared by value, placeholder keeps held value.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/110', '0/190', 10, '2026-01-01 10:00:00.000001+00',
  '{"id":1,"name":"Ana","email":"ana@x","document_hash":"h1","phone_masked":"*******1234","status":"active","created_at":"2026-01-01T10:00:00Z","updated_at":"2026-01-01T10:00:00Z"}'),
 (2, 'units', 'c', 7, '0/120', '0/190', 10, '2026-01-01 10:00:00.000001+00',
  '{"id":7,"user_id":1,"name":"Roof","address":"Rua A","city":"Campinas","state":"SP","latitude":-22.9,"longitude":-47.06,"installed_power_kwp":"5.500","tariff_class":"B1","utility":"CPFL","status":"active"}');
insert into stage_tx values (10, '0/190', '2026-01-01 10:00:00.000001+00', 2, '{"public.users":1,"public.units":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_users) = 1, 'one user version';
  assert (select version from dw.dim_users where user_id = 1 and is_current) = 1, 'version 1';
  assert (select valid_from from dw.dim_users where user_id = 1) = '2026-01-01 10:00:00.000001+00', 'valid_from at µs';
  assert (select phone_masked from dw.dim_users where user_id = 1) = '*******1234', 'phone_masked stored';
  assert (select installed_power_kwp from dw.dim_units where unit_id = 7) = 5.5, 'numeric stored';
end $$;

-- batch 2: tx 20 changes name only (type 1); tx 30 changes email (type 2) twice
-- plus name; tx 40 touches nothing tracked (updated_at only); numeric 5.5000
-- equals 5.500 (no change); latitude changes (type 1).
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (3, 'users', 'u', 1, '0/210', '0/290', 20, '2026-01-02 10:00:00+00',
  '{"id":1,"name":"Ana Maria","email":"ana@x","document_hash":"h1","phone_masked":"*******1234","status":"active"}'),
 (4, 'users', 'u', 1, '0/310', '0/390', 30, '2026-01-03 10:00:00+00',
  '{"id":1,"name":"Ana Maria","email":"ana@y","document_hash":"h1","phone_masked":"*******1234","status":"active"}'),
 (5, 'users', 'u', 1, '0/320', '0/390', 30, '2026-01-03 10:00:00+00',
  '{"id":1,"name":"Ana M.","email":"ana@z","document_hash":"h1","phone_masked":"*******1234","status":"active"}'),
 (6, 'users', 'u', 1, '0/410', '0/490', 40, '2026-01-04 10:00:00+00',
  '{"id":1,"name":"Ana M.","email":"ana@z","document_hash":"h1","phone_masked":"*******1234","status":"active","updated_at":"2026-01-04T10:00:00Z"}'),
 (7, 'units', 'u', 7, '0/420', '0/490', 40, '2026-01-04 10:00:00+00',
  '{"id":7,"user_id":1,"name":"Roof","address":"Rua A","city":"Campinas","state":"SP","latitude":-22.95,"longitude":-47.06,"installed_power_kwp":"5.5000","tariff_class":"B1","utility":"CPFL","status":"active"}');
insert into stage_tx values
 (20, '0/290', '2026-01-02 10:00:00+00', 1, '{"public.users":1}'),
 (30, '0/390', '2026-01-03 10:00:00+00', 2, '{"public.users":2}'),
 (40, '0/490', '2026-01-04 10:00:00+00', 2, '{"public.users":1,"public.units":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_users where user_id = 1) = 2, 'type-1 and no-op make no version; tx 30 makes one';
  assert (select name from dw.dim_users where user_id = 1 and version = 1) = 'Ana Maria', 'type-1 overwrote version 1 in place';
  assert (select valid_to from dw.dim_users where user_id = 1 and version = 1) = '2026-01-03 10:00:00+00', 'v1 closed at tx 30';
  assert (select email || '|' || name from dw.dim_users where user_id = 1 and is_current) = 'ana@z|Ana M.', 'last change of tx 30 wins';
  assert (select valid_from from dw.dim_users where user_id = 1 and version = 2) = '2026-01-03 10:00:00+00', 'v2 from tx 30';
  assert (select source_lsn from dw.dim_users where user_id = 1 and version = 2) = '0/320', 'lineage: last change';
  assert (select count(*) from dw.dim_units where unit_id = 7) = 1, 'numeric 5.5000 = 5.500, latitude is type 1';
  assert (select latitude from dw.dim_units where unit_id = 7) = -22.95, 'latitude overwritten';
  assert (select dw.dim_watermark()) = '0/490', 'all dim events counted: watermark at the last END';
  assert (select count(*) from dw.tx_log) = 1 and (select commit_lsn from dw.tx_log_horizon) = '0/490',
         'transactions below the watermark pruned';
end $$;

-- batch 3: placeholder keeps the held value; status change (type 2) with a
-- TOASTed document_hash; a custom config making name type 2.
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (8, 'users', 'u', 1, '0/510', '0/590', 50, '2026-01-05 10:00:00+00',
  '{"id":1,"name":"Ana M.","email":"ana@z","document_hash":"__debezium_unavailable_value","phone_masked":"*******1234","status":"suspended"}'),
 (9, 'users', 'u', 1, '0/610', '0/690', 60, '2026-01-06 10:00:00+00',
  '{"id":1,"name":"Ana Q.","email":"ana@z","document_hash":"__debezium_unavailable_value","phone_masked":"__debezium_unavailable_value","status":"suspended"}');
insert into stage_tx values
 (50, '0/590', '2026-01-05 10:00:00+00', 1, '{"public.users":1}'),
 (60, '0/690', '2026-01-06 10:00:00+00', 1, '{"public.users":1}');
select dw.apply_staged('{"dim_users":{"type2":["status","email","name"],"type1":["phone","document_hash"]}}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_users where user_id = 1) = 4, 'status and (configured) name open versions';
  assert (select document_hash from dw.dim_users where user_id = 1 and is_current) = 'h1', 'placeholder keeps hash';
  assert (select phone_masked from dw.dim_users where user_id = 1 and is_current) = '*******1234', 'placeholder keeps phone';
  assert (select status from dw.dim_users where user_id = 1 and version = 3) = 'suspended', 'v3 suspended';
  assert (select count(*) from dw.dim_users where is_current) = 1, 'one current';
  -- gapless chain
  assert not exists (select 1 from dw.dim_users a join dw.dim_users b on b.user_id = a.user_id and b.version = a.version + 1
                     where a.valid_to is distinct from b.valid_from), 'chain without gaps';
  assert (select string_agg(version::text, ',' order by version) from dw.dim_users) = '1,2,3,4', 'versions 1..4';
end $$;

-- batch 4 (default config again): a type-1 change touches the current version only
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (10, 'users', 'u', 1, '0/710', '0/790', 70, '2026-01-07 10:00:00+00',
  '{"id":1,"name":"Ana Q.","email":"ana@z","document_hash":"h2","phone_masked":"*******9999","status":"suspended"}');
insert into stage_tx values (70, '0/790', '2026-01-07 10:00:00+00', 1, '{"public.users":1}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.dim_users where user_id = 1) = 4, 'type 1: no new version';
  assert (select phone_masked || document_hash from dw.dim_users where user_id = 1 and is_current) = '*******9999h2', 'current overwritten';
  assert (select count(*) from dw.dim_users where user_id = 1 and not is_current and phone_masked = '*******1234') = 3,
         'closed versions keep their values';
  assert (select source_lsn from dw.dim_users where user_id = 1 and is_current) = '0/710', 'lineage of the overwrite';
end $$;
