-- The ledger: corrections with deltas, zero-delta correction, a move writes a
-- reversal + original, delete → reversal, truncate of energy reverses every
-- live row, several changes of one row in one batch (rounds), compensation
-- rows (yyyymm01), sums per source row equal the final source values, and
-- replays add nothing.
select dw.create_staging();

begin;
insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after) values
 (1, 'users', 'c', 1, '0/100', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":1,"name":"Ana","email":"a@x","status":"active"}'),
 (2, 'units', 'c', 7, '0/110', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":7,"user_id":1,"name":"Roof","status":"active"}'),
 (3, 'units', 'c', 8, '0/120', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":8,"user_id":1,"name":"Barn","status":"active"}'),
 (4, 'devices', 'c', 5, '0/130', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":5,"unit_id":7,"serial_number":"S5","kind":"inverter","status":"active"}'),
 (5, 'devices', 'c', 6, '0/140', '0/180', 1, '2026-04-01 00:00:00+00', '{"id":6,"unit_id":8,"serial_number":"S6","kind":"inverter","status":"active"}');
insert into stage_tx values (1, '0/180', '2026-04-01 00:00:00+00', 5, '{"public.users":1,"public.units":2,"public.devices":2}');
select dw.apply_staged('{}');
commit;

-- the source history, as batches of events
create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
insert into ev values
 -- batch 1: inserts; row 1 corrected twice in one transaction and again later (rounds)
 (1, 1, 'energy', 'c', 1, '0/1000', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T10:00:00-03:00","energy_kwh":"1.0000","power_kw":"4.0000"}'),
 (1, 2, 'energy', 'c', 2, '0/1010', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T10:15:00-03:00","energy_kwh":"2.0000","power_kw":"8.0000"}'),
 (1, 3, 'energy', 'c', 3, '0/1020', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":3,"device_id":5,"measured_at":"2026-04-02T10:30:00-03:00","energy_kwh":"3.0000","power_kw":"12.0000"}'),
 (1, 4, 'energy', 'c', 4, '0/1030', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2026-04-02T10:45:00-03:00","energy_kwh":"4.0000","power_kw":"16.0000"}'),
 (1, 5, 'energy', 'u', 1, '0/1040', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T10:00:00-03:00","energy_kwh":"1.2500","power_kw":"5.0000"}'),
 (1, 6, 'energy', 'u', 1, '0/1050', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"device_id":5,"measured_at":"2026-04-02T10:00:00-03:00","energy_kwh":"1.5000","power_kw":"6.0000"}'),
 (1, 7, 'energy_compensate', 'c', 1, '0/1060', '0/1100', 10, '2026-04-02 12:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"100.0000","consumed_kwh":"80.0000","compensated_kwh":"80.0000","credit_balance_kwh":"20.0000"}'),
 -- batch 2: zero-delta correction (row 2), move to device 6 (row 3), move in time to another day (row 4),
 --          delete (row 2 after its correction), compensation correction and month move
 (2, 1, 'energy', 'u', 2, '0/2000', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":2,"device_id":5,"measured_at":"2026-04-02T10:15:00-03:00","energy_kwh":"2.0000","power_kw":"8.0000"}'),
 (2, 2, 'energy', 'u', 3, '0/2010', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":3,"device_id":6,"measured_at":"2026-04-02T10:30:00-03:00","energy_kwh":"3.5000","power_kw":"12.0000"}'),
 (2, 3, 'energy', 'u', 4, '0/2020', '0/2100', 20, '2026-04-03 12:00:00+00', '{"id":4,"device_id":5,"measured_at":"2026-04-03T10:45:00-03:00","energy_kwh":"4.0000","power_kw":"__debezium_unavailable_value"}'),
 (2, 4, 'energy', 'd', 2, '0/2200', '0/2300', 23, '2026-04-03 13:00:00+00', null),
 (2, 5, 'energy_compensate', 'u', 1, '0/2210', '0/2300', 23, '2026-04-03 13:00:00+00', '{"id":1,"unit_id":7,"reference_month":"2026-03-01","injected_kwh":"110.0000","consumed_kwh":"80.0000","compensated_kwh":"85.0000","credit_balance_kwh":"25.0000"}'),
 (2, 6, 'energy_compensate', 'u', 1, '0/2400', '0/2500', 25, '2026-04-03 14:00:00+00', '{"id":1,"unit_id":8,"reference_month":"2026-04-01","injected_kwh":"110.0000","consumed_kwh":null,"compensated_kwh":"85.0000","credit_balance_kwh":"25.0000"}'),
 (2, 7, 'energy', 'c', 5, '0/2410', '0/2500', 25, '2026-04-03 14:00:00+00', '{"id":5,"device_id":6,"measured_at":"2026-04-03T11:00:00-03:00","energy_kwh":"5.0000","power_kw":null}'),
 -- batch 3: truncate energy, then a new insert; delete compensation
 (3, 1, 'energy', 't', null, '0/3000', '0/3100', 30, '2026-04-04 12:00:00+00', null),
 (3, 2, 'energy', 'c', 6, '0/3200', '0/3300', 33, '2026-04-04 13:00:00+00', '{"id":6,"device_id":5,"measured_at":"2026-04-04T10:00:00-03:00","energy_kwh":"6.0000","power_kw":"1.0000"}'),
 (3, 3, 'energy', 'u', 6, '0/3400', '0/3500', 35, '2026-04-04 14:00:00+00', '{"id":6,"device_id":5,"measured_at":"2026-04-04T10:00:00-03:00","energy_kwh":"6.5000","power_kw":"1.0000"}'),
 (3, 4, 'energy_compensate', 'd', 1, '0/3410', '0/3500', 35, '2026-04-04 14:00:00+00', null);
insert into ends values
 (1, 10, '0/1100', '2026-04-02 12:00:00+00', 7, '{"public.energy":6,"public.energy_compensate":1}'),
 (2, 20, '0/2100', '2026-04-03 12:00:00+00', 3, '{"public.energy":3}'),
 (2, 23, '0/2300', '2026-04-03 13:00:00+00', 2, '{"public.energy":1,"public.energy_compensate":1}'),
 (2, 25, '0/2500', '2026-04-03 14:00:00+00', 2, '{"public.energy":1,"public.energy_compensate":1}'),
 (3, 30, '0/3100', '2026-04-04 12:00:00+00', 1, '{"public.energy":1}'),
 (3, 33, '0/3300', '2026-04-04 13:00:00+00', 1, '{"public.energy":1}'),
 (3, 35, '0/3500', '2026-04-04 14:00:00+00', 2, '{"public.energy":1,"public.energy_compensate":1}');

create function pg_temp.run_batch(p_b int) returns jsonb language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev where b = p_b;
  insert into stage_tx select tx_id, commit_lsn, commit_ts, n, collections from ends where b = p_b;
  return dw.apply_staged('{}');
end $$;

begin; select pg_temp.run_batch(1); commit;

do $$
declare r record;
begin
  assert (select count(*) from dw.fact_energy where source_table = 'energy' and source_id = 1) = 3, 'row 1: original + 2 corrections';
  assert (select string_agg(entry_kind || ':' || generated_kwh::numeric(8,2) || ':' || power_kw::numeric(8,2), ',' order by source_lsn)
            from dw.fact_energy where source_table = 'energy' and source_id = 1)
         = 'original:1.00:4.00,correction:0.25:5.00,correction:0.25:6.00', 'deltas, new non-additive';
  select * into r from dw.fact_energy where source_table = 'energy_compensate';
  assert r.date_key = 20260301 and r.measured_at = '2026-03-01 03:00:00+00', 'compensation: yyyymm01, local midnight';
  assert r.device_key is null and r.unit_key is not null and r.user_key is not null, 'compensation keys';
  assert r.day_climate_key = (select day_climate_key from dw.dim_day_climate where unit_id = 7 and day = '2026-03-01'), 'month climate row';
end $$;

begin; select pg_temp.run_batch(2); commit;

do $$
declare r record;
begin
  select * into r from dw.fact_energy where source_table = 'energy' and source_id = 2 and entry_kind = 'correction';
  assert r.generated_kwh = 0 and r.power_kw = 8, 'zero-delta correction written';
  assert (select count(*) from dw.fact_energy where source_table = 'energy' and source_id = 2 and entry_kind = 'reversal') = 1, 'delete → reversal';
  assert (select generated_kwh = -2 and power_kw is null from dw.fact_energy where source_table = 'energy' and source_id = 2 and entry_kind = 'reversal'),
         'reversal negates, null non-additive';
  -- move of row 3 to device 6: reversal under device 5, original under device 6, same lsn
  assert (select string_agg(f.entry_kind || '@' || d.device_id || ':' || f.generated_kwh::numeric(8,2), ',' order by f.energy_fact_id)
            from dw.fact_energy f join dw.dim_devices d using (device_key) where f.source_table = 'energy' and f.source_id = 3 and f.source_lsn = '0/2010')
         = 'reversal@5:-3.00,original@6:3.50', 'move → reversal + original';
  assert (select count(distinct u.unit_id) from dw.fact_energy f join dw.dim_units u using (unit_key) where f.source_table = 'energy' and f.source_id = 3) = 2,
         'unit follows the device';
  -- move in time: day changes, power placeholder keeps the held 16
  assert (select string_agg(entry_kind || '@' || date_key || ':' || coalesce(power_kw::numeric(8,2)::text, '-'), ',' order by energy_fact_id)
            from dw.fact_energy where source_table = 'energy' and source_id = 4 and source_lsn = '0/2020')
         = 'reversal@20260402:-,original@20260403:16.00', 'time move, placeholder keeps value';
  -- compensation: correction then move to unit 8 / April
  assert (select injected_kwh = 10 and consumed_kwh = 0 and compensated_kwh = 5 and credit_balance_kwh = 25
            from dw.fact_energy where source_table = 'energy_compensate' and entry_kind = 'correction'), 'compensation deltas';
  assert (select string_agg(f.entry_kind || '@' || u.unit_id || '/' || f.date_key, ',' order by f.energy_fact_id)
            from dw.fact_energy f join dw.dim_units u using (unit_key) where f.source_table = 'energy_compensate' and f.source_lsn = '0/2400')
         = 'reversal@7/20260301,original@8/20260401', 'compensation move';
end $$;

begin; select pg_temp.run_batch(3); commit;

do $$ begin
  assert (select count(*) from dw.fact_energy where entry_kind = 'reversal' and source_lsn = '0/3000') = 4, 'truncate reverses rows 1,3,4,5';
  assert not exists (select 1 from dw.fact_state where source_table = 'energy' and live and source_id <> 6), 'only row 6 live';
end $$;

-- per source row, the ledger sums to the final source values (zero when gone)
create temp table final_state as
select * from (values ('energy', 6::bigint, 6.5::numeric, null::numeric, null::numeric, null::numeric)) v(t, id, gen, inj, cons, comp);

create temp table sums1 as
select source_table, source_id, sum(generated_kwh) g, sum(injected_kwh) i, sum(consumed_kwh) c, sum(compensated_kwh) k, count(*) n
  from dw.fact_energy group by 1, 2;

do $$ begin
  assert not exists (
    select 1 from sums1 s left join final_state f on f.t = s.source_table and f.id = s.source_id
     where coalesce(s.g, 0) <> coalesce(f.gen, 0) or coalesce(s.i, 0) <> coalesce(f.inj, 0)
        or coalesce(s.c, 0) <> coalesce(f.cons, 0) or coalesce(s.k, 0) <> coalesce(f.comp, 0)),
    'ledger sums equal final source values';
  -- and the sums per (device, day) of what is still live
  assert (select sum(generated_kwh) from dw.fact_energy f join dw.dim_devices d using (device_key)
           where d.device_id = 5 and f.date_key = 20260404) = 6.5, 'sum per device and day';
  assert (select coalesce(sum(generated_kwh), 0) from dw.fact_energy f join dw.dim_devices d using (device_key)
           where d.device_id = 6) = 0, 'device 6 nets to zero';
end $$;

-- replay everything (all batches at once, twice), then one by one: nothing new
begin; select pg_temp.run_batch(1); select pg_temp.run_batch(2); select pg_temp.run_batch(3);
       select pg_temp.run_batch(1); commit;
begin; select pg_temp.run_batch(2); commit;
begin; select pg_temp.run_batch(3); commit;

do $$ begin
  assert (select count(*) from dw.fact_energy) = (select sum(n) from sums1), 'replay adds no ledger row';
  assert (select count(*) from dw.pending_fact) = 0, 'nothing left pending';
  assert (select count(*) from dw.applied_truncate) = 1, 'truncate once';
end $$;

-- Rows whose first change is a plain insert (which helio apply stages typed and
-- whose state then lives only in its ledger original, dw._fact_state_from_ledger):
-- replayed alone, replayed together with their next changes, corrected, moved,
-- deleted. Each change must find the values its insert wrote.
insert into ev values
 (4, 1, 'energy', 'c', 7, '0/4000', '0/4100', 40, '2026-04-05 12:00:00+00', '{"id":7,"device_id":5,"measured_at":"2026-04-05T10:00:00-03:00","energy_kwh":"7.0000","power_kw":"2.0000"}'),
 (4, 2, 'energy', 'c', 8, '0/4010', '0/4100', 40, '2026-04-05 12:00:00+00', '{"id":8,"device_id":5,"measured_at":"2026-04-05T10:15:00-03:00","energy_kwh":"8.0000","power_kw":"3.0000"}'),
 (5, 1, 'energy', 'u', 7, '0/5000', '0/5100', 50, '2026-04-06 12:00:00+00', '{"id":7,"device_id":5,"measured_at":"2026-04-05T10:00:00-03:00","energy_kwh":"7.2500","power_kw":"2.5000"}'),
 (5, 2, 'energy', 'u', 8, '0/5010', '0/5100', 50, '2026-04-06 12:00:00+00', '{"id":8,"device_id":6,"measured_at":"2026-04-05T10:15:00-03:00","energy_kwh":"8.0000","power_kw":"3.0000"}'),
 (6, 1, 'energy', 'd', 7, '0/6000', '0/6100', 60, '2026-04-07 12:00:00+00', null);
insert into ends values
 (4, 40, '0/4100', '2026-04-05 12:00:00+00', 2, '{"public.energy":2}'),
 (5, 50, '0/5100', '2026-04-06 12:00:00+00', 2, '{"public.energy":2}'),
 (6, 60, '0/6100', '2026-04-07 12:00:00+00', 1, '{"public.energy":1}');

begin; select pg_temp.run_batch(4); commit;
begin; select pg_temp.run_batch(4); commit;          -- a replay of the inserts alone
begin; select pg_temp.run_batch(4); select pg_temp.run_batch(5); commit;   -- again, then the updates

do $$ begin
  assert (select string_agg(entry_kind || ':' || generated_kwh::numeric(8,2) || ':' || coalesce(power_kw::numeric(8,2)::text, '-'), ','
                            order by energy_fact_id)
            from dw.fact_energy where source_table = 'energy' and source_id = 7)
         = 'original:7.00:2.00,correction:0.25:2.50', 'row 7: delta from the inserted values';
  assert (select string_agg(f.entry_kind || '@' || d.device_id || ':' || f.generated_kwh::numeric(8,2), ',' order by f.energy_fact_id)
            from dw.fact_energy f join dw.dim_devices d using (device_key) where f.source_table = 'energy' and f.source_id = 8)
         = 'original@5:8.00,reversal@5:-8.00,original@6:8.00', 'row 8: move away from the inserted device';
end $$;

begin; select pg_temp.run_batch(6); select pg_temp.run_batch(5); select pg_temp.run_batch(4); commit;

do $$ begin
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 7) = 0, 'row 7 deleted nets to zero';
  assert (select count(*) from dw.fact_energy where source_table = 'energy' and source_id = 7) = 3, 'row 7: original, correction, reversal';
  assert (select count(*) from dw.fact_energy where source_table = 'energy' and source_id = 8) = 3, 'replays add nothing to row 8';
  assert (select sum(generated_kwh) from dw.fact_energy where source_table = 'energy' and source_id = 8) = 8, 'row 8 sums to its value';
end $$;
