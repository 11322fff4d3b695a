-- dim_day_climate equals the aggregate of the source irradiance rows of each
-- unit and local day, after inserts, updates (value and day moves), deletes,
-- placeholders and truncate; a unit-day without readings keeps a row with
-- sample_count 0 and null aggregates; replays change nothing.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'irradiance', 'c', 1, '0/100', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":1,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","irradiance_wm2":"800.00","module_temp_c":"40.00","ambient_temp_c":"25.00"}'),
 (2, 'irradiance', 'c', 2, '0/110', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":2,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:15:00-03:00","irradiance_wm2":"600.00","module_temp_c":"38.00","ambient_temp_c":"24.00"}'),
 -- 01:00 UTC on May 2 is still May 1 in São Paulo
 (3, 'irradiance', 'c', 3, '0/120', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":3,"unit_id":7,"device_id":null,"measured_at":"2026-05-02T01:00:00+00:00","irradiance_wm2":"0.00","module_temp_c":null,"ambient_temp_c":"18.00"}'),
 (4, 'irradiance', 'c', 4, '0/130', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":4,"unit_id":8,"device_id":null,"measured_at":"2026-05-01T12:00:00-03:00","irradiance_wm2":"1000.00","module_temp_c":"50.00","ambient_temp_c":"30.00"}');
insert into stage_tx values (1, '0/190', '2026-05-01 12:00:00+00', 4, '{"public.irradiance":4}');
select dw.apply_staged('{}');
commit;

do $$
declare r record;
begin
  select * into r from dw.dim_day_climate where unit_id = 7 and day = '2026-05-01';
  assert r.sample_count = 3, 'three readings on the local day';
  assert r.sum_irradiance_wm2 = 1400 and r.peak_irradiance_wm2 = 800, 'sum, peak';
  assert r.avg_irradiance_wm2 = 1400 / 3.0, 'avg';
  assert r.irradiation_kwh_m2 = 0.35, 'irradiation = 1400 × 15/60/1000';
  assert r.min_ambient_temp_c = 18 and r.max_ambient_temp_c = 25 and r.avg_module_temp_c = 39, 'temperatures';
  assert r.source_lsn = '0/120', 'lineage of the latest change';
  assert (select count(*) from dw.dim_day_climate) = 2, 'two unit-days';
end $$;

-- update a value, move a reading to another day, update with placeholders,
-- delete the only reading of unit 8 (its row stays with sample_count 0)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (5, 'irradiance', 'u', 1, '0/200', '0/290', 2, '2026-05-02 12:00:00+00', '{"id":1,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","irradiance_wm2":"900.00","module_temp_c":"40.00","ambient_temp_c":"25.00"}'),
 (6, 'irradiance', 'u', 1, '0/210', '0/290', 2, '2026-05-02 12:00:00+00', '{"id":1,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","irradiance_wm2":"850.00","module_temp_c":"__debezium_unavailable_value","ambient_temp_c":"25.00"}'),
 (7, 'irradiance', 'u', 3, '0/220', '0/290', 2, '2026-05-02 12:00:00+00', '{"id":3,"unit_id":7,"device_id":null,"measured_at":"2026-05-02T10:00:00-03:00","irradiance_wm2":"500.00","module_temp_c":null,"ambient_temp_c":"20.00"}'),
 (8, 'irradiance', 'd', 4, '0/230', '0/290', 2, '2026-05-02 12:00:00+00', null);
insert into stage_tx values (2, '0/290', '2026-05-02 12:00:00+00', 4, '{"public.irradiance":4}');
select dw.apply_staged('{}');
commit;

create temp table snap as select * from dw.dim_day_climate;

do $$
declare r record;
begin
  select * into r from dw.dim_day_climate where unit_id = 7 and day = '2026-05-01';
  assert r.sample_count = 2 and r.sum_irradiance_wm2 = 1450 and r.peak_irradiance_wm2 = 850, 'May 1 after update and move';
  assert r.avg_module_temp_c = 39 and r.min_ambient_temp_c = 24, 'placeholder kept module temp 40';
  assert r.source_lsn = '0/220', 'lineage';
  select * into r from dw.dim_day_climate where unit_id = 7 and day = '2026-05-02';
  assert r.sample_count = 1 and r.sum_irradiance_wm2 = 500 and r.irradiation_kwh_m2 = 0.125, 'moved reading on May 2';
  select * into r from dw.dim_day_climate where unit_id = 8 and day = '2026-05-01';
  assert r.sample_count = 0 and r.sum_irradiance_wm2 is null and r.avg_irradiance_wm2 is null and r.peak_irradiance_wm2 is null
     and r.irradiation_kwh_m2 is null and r.min_ambient_temp_c is null and r.max_ambient_temp_c is null
     and r.avg_module_temp_c is null, 'unit-day without readings: sample_count 0, aggregates null';
end $$;

-- replay of batch 2 (and a duplicate of batch 1's first event): nothing changes
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'irradiance', 'c', 1, '0/100', '0/190', 1, '2026-05-01 12:00:00+00', '{"id":1,"unit_id":7,"device_id":3,"measured_at":"2026-05-01T10:00:00-03:00","irradiance_wm2":"800.00","module_temp_c":"40.00","ambient_temp_c":"25.00"}'),
 (8, 'irradiance', 'd', 4, '0/230', '0/290', 2, '2026-05-02 12:00:00+00', null);
select dw.apply_staged('{}');
commit;

do $$ begin
  assert not exists (select * from dw.dim_day_climate c full join snap s using (day_climate_key)
                      where row(c.sample_count, c.sum_irradiance_wm2, c.source_lsn) is distinct from row(s.sample_count, s.sum_irradiance_wm2, s.source_lsn)),
         'replay changes nothing';
end $$;

-- truncate irradiance, then one new reading in the same batch
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (9, 'irradiance', 't', null, '0/300', '0/390', 3, '2026-05-03 12:00:00+00', null),
 (10, 'irradiance', 'c', 5, '0/400', '0/490', 4, '2026-05-03 13:00:00+00', '{"id":5,"unit_id":7,"device_id":null,"measured_at":"2026-05-01T11:00:00-03:00","irradiance_wm2":"100.00","module_temp_c":null,"ambient_temp_c":null}');
select dw.apply_staged('{}');
commit;

do $$ begin
  assert (select count(*) from dw.irradiance_mirror) = 1, 'mirror emptied then one reading';
  assert (select sample_count || '/' || sum_irradiance_wm2 from dw.dim_day_climate where unit_id = 7 and day = '2026-05-01') = '1/100.00', 'May 1 only the new reading';
  assert (select sample_count = 0 and sum_irradiance_wm2 is null from dw.dim_day_climate where unit_id = 7 and day = '2026-05-02'), 'May 2 emptied';
  assert (select count(*) from dw.dim_day_climate) = 3, 'rows kept';
  assert not exists (
    select 1 from dw.dim_day_climate c
      left join (select unit_id, local_day, count(*) n, sum(irradiance_wm2) s from dw.irradiance_mirror group by 1, 2) m
             on m.unit_id = c.unit_id and m.local_day = c.day
     where c.sample_count <> coalesce(m.n, 0) or c.sum_irradiance_wm2 is distinct from m.s), 'climate equals aggregate of readings';
end $$;

-- deletes of readings the truncate removed (a source failover's resync sends one for every key
-- Kafka still shows live, truncated ones included): nothing to delete, no tombstone that
-- knows neither its unit nor its day; a delete of a reading never seen, with no truncate
-- before it, still leaves one (the verifier reports it: its day cannot be checked)
begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (11, 'irradiance', 'd', 1, '0/500', '0/590', 5, '2026-05-04 12:00:00+00', null),
 (12, 'irradiance', 'd', 2, '0/510', '0/590', 5, '2026-05-04 12:00:00+00', null);
select dw.apply_staged('{}');
commit;
do $$ begin
  assert not exists (select 1 from dw.irradiance_mirror where deleted and (unit_id is null or local_day is null)),
    'no tombstone without unit and day: ' || (select string_agg(id::text, ',') from dw.irradiance_mirror where deleted);
  assert (select count(*) from dw.irradiance_mirror) = 1, 'the mirror holds the one reading after the truncate';
  assert (select sample_count || '/' || sum_irradiance_wm2 from dw.dim_day_climate where unit_id = 7 and day = '2026-05-01') = '1/100.00', 'unchanged';
end $$;
