-- A pseudo-random history (fixed seed) of energy inserts, corrections, moves
-- between devices and days, deletes, and device moves between units, applied
-- in batches that are each staged twice and followed by a replay of the
-- previous batch. Checks: every source row's ledger sums to its final value;
-- sums per device and day equal the live rows; every ledger row is keyed to
-- versions valid at its commit time; dimension chains stay gapless.
select dw.create_staging();
select setseed(0.42);

create temp table ev (b int, seq int, source_table text, op char(1), row_id bigint, lsn pg_lsn, commit_lsn pg_lsn,
                      tx_id bigint, commit_ts timestamptz, after jsonb);
create temp table ends (b int, tx_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, n int, collections jsonb);
create temp table src_energy (id bigint primary key, device_id bigint, measured_at timestamptz, energy_kwh numeric);
create temp table src_device (id bigint primary key, unit_id bigint);
create temp table expected_moves (n int);

-- snapshot: 3 users, 6 units, 20 devices
insert into src_device select g, 1 + g % 6 from generate_series(1, 20) g;
insert into ev
select 0, g, 'users', 'r', g, '0/100'::pg_lsn, '0/100'::pg_lsn, 0, '2026-08-01 00:00:00+00'::timestamptz,
       jsonb_build_object('id', g, 'name', 'u' || g, 'email', g || '@x', 'status', 'active')
  from generate_series(1, 3) g
union all
select 0, 10 + g, 'units', 'r', g, '0/100', '0/100', 0, '2026-08-01 00:00:00+00',
       jsonb_build_object('id', g, 'user_id', 1 + g % 3, 'name', 'unit' || g, 'status', 'active')
  from generate_series(1, 6) g
union all
select 0, 100 + id, 'devices', 'r', id, '0/100', '0/100', 0, '2026-08-01 00:00:00+00',
       jsonb_build_object('id', id, 'unit_id', unit_id, 'serial_number', 'S' || id, 'kind', 'inverter', 'status', 'active')
  from src_device;
insert into ends values (0, 0, '0/100', '2026-08-01 00:00:00+00', 29, '{"public.users":3,"public.units":6,"public.devices":20}');

do $$
declare
    v_tx int; v_i int; v_id bigint; v_r float8; v_lsn bigint := 4096; v_commit pg_lsn; v_ts timestamptz;
    v_row src_energy; v_dev bigint; v_seq int := 1000; v_e int; v_d int; v_moves int := 0; v_batch int;
begin
    for v_tx in 1 .. 120 loop
        v_batch := 1 + (v_tx - 1) / 10;
        v_ts := '2026-08-02 00:00:00+00'::timestamptz + v_tx * interval '7 minutes' + interval '0.000123 s';
        v_commit := ('1/' || to_hex(v_lsn + 8 * 64))::pg_lsn;   -- above every change lsn of the tx
        v_e := 0; v_d := 0;
        for v_i in 1 .. 8 loop
            v_lsn := v_lsn + 8; v_seq := v_seq + 1;
            if random() < 0.1 then
                -- a device moves to another unit
                v_dev := 1 + floor(random() * 20)::int;
                update src_device set unit_id = 1 + floor(random() * 6)::int where id = v_dev;
                insert into ev select v_batch, v_seq, 'devices', 'u', id, ('1/' || to_hex(v_lsn))::pg_lsn, v_commit, v_tx, v_ts,
                       jsonb_build_object('id', id, 'unit_id', unit_id, 'serial_number', 'S' || id, 'kind', 'inverter', 'status', 'active')
                  from src_device where id = v_dev;
                v_d := v_d + 1;
                continue;
            end if;
            v_id := 1 + floor(random() * 60)::int;
            select * into v_row from src_energy where id = v_id;
            v_r := random();
            if v_row.id is null then
                insert into src_energy values (v_id, 1 + floor(random() * 20)::int,
                    '2026-08-01 12:00:00+00'::timestamptz + floor(random() * 4)::int * interval '11 hours',
                    round((random() * 10)::numeric, 4));
                insert into ev select v_batch, v_seq, 'energy', 'c', id, ('1/' || to_hex(v_lsn))::pg_lsn, v_commit, v_tx, v_ts,
                       jsonb_build_object('id', id, 'device_id', device_id, 'measured_at', measured_at, 'energy_kwh', energy_kwh::text, 'power_kw', null)
                  from src_energy where id = v_id;
            elsif v_r < 0.25 then
                delete from src_energy where id = v_id;
                insert into ev values (v_batch, v_seq, 'energy', 'd', v_id, ('1/' || to_hex(v_lsn))::pg_lsn, v_commit, v_tx, v_ts, null);
            else
                if v_r < 0.4 then
                    update src_energy set device_id = 1 + floor(random() * 20)::int where id = v_id;
                elsif v_r < 0.5 then
                    update src_energy set measured_at = measured_at + interval '1 day' where id = v_id;
                else
                    update src_energy set energy_kwh = case when random() < 0.2 then energy_kwh else round((random() * 10)::numeric, 4) end
                     where id = v_id;
                end if;
                if (select (device_id, measured_at) is distinct from (v_row.device_id, v_row.measured_at) from src_energy where id = v_id) then
                    v_moves := v_moves + 1;
                end if;
                insert into ev select v_batch, v_seq, 'energy', 'u', id, ('1/' || to_hex(v_lsn))::pg_lsn, v_commit, v_tx, v_ts,
                       jsonb_build_object('id', id, 'device_id', device_id, 'measured_at', measured_at, 'energy_kwh', energy_kwh::text, 'power_kw', null)
                  from src_energy where id = v_id;
            end if;
            v_e := v_e + 1;
        end loop;
        v_lsn := v_lsn + 8 * 64;
        insert into ends values (v_batch, v_tx, v_commit, v_ts, v_e + v_d,
                                 jsonb_build_object('public.energy', v_e, 'public.devices', v_d));
    end loop;
    insert into expected_moves values (v_moves);
end $$;

-- Batches: each staged twice, then the previous one replayed. Dimension events
-- are delayed one batch (facts must wait for them).
create function pg_temp.run(p_b int) returns void language plpgsql as $$
begin
  insert into stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after)
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev
   where (b = p_b and source_table not in ('devices', 'units', 'users')) or (b = p_b - 1)
  union all
  select seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after from ev where b = p_b - 1;
  insert into stage_tx select tx_id, commit_lsn, commit_ts, n, collections from ends where b in (p_b, p_b - 1);
  perform dw.apply_staged('{}');
end $$;

do $$ begin
  for b in 0 .. 13 loop
    perform pg_temp.run(b);
    truncate stage_changes, stage_tx;   -- what commit would do
  end loop;
end $$;

do $$
declare v_bad int;
begin
  assert (select count(*) from dw.pending_fact) = 0, 'nothing pending at the end';
  assert (select count(*) from dw.fact_energy)
       = (select count(*) from ev where source_table = 'energy') + (select n from expected_moves),
         'one ledger row per change, two per move';
  -- per source row
  select count(*) into v_bad
    from (select source_id, sum(generated_kwh) s from dw.fact_energy group by 1) l
    full join src_energy e on e.id = l.source_id
   where coalesce(l.s, 0) <> coalesce(e.energy_kwh, 0);
  assert v_bad = 0, format('%s source rows whose ledger does not sum to the final value', v_bad);
  -- per device and local day
  select count(*) into v_bad
    from (select d.device_id, f.date_key, sum(f.generated_kwh) s
            from dw.fact_energy f join dw.dim_devices d using (device_key) group by 1, 2 having sum(f.generated_kwh) <> 0) l
    full join (select device_id, to_char(measured_at at time zone 'America/Sao_Paulo', 'YYYYMMDD')::int as date_key,
                      sum(energy_kwh) s from src_energy group by 1, 2 having sum(energy_kwh) <> 0) e
      on e.device_id = l.device_id and e.date_key = l.date_key
   where l.s is distinct from e.s;
  assert v_bad = 0, format('%s (device, day) sums differ', v_bad);
  -- keys valid at commit time, unit = the device version's unit, user = the unit version's owner
  select count(*) into v_bad
    from dw.fact_energy f
    join dw.dim_devices d using (device_key) join dw.dim_units u using (unit_key) join dw.dim_users us using (user_key)
   where not (d.valid_from <= f.source_commit_ts and f.source_commit_ts < coalesce(d.valid_to, 'infinity'))
      or not (u.valid_from <= f.source_commit_ts and f.source_commit_ts < coalesce(u.valid_to, 'infinity'))
      or not (us.valid_from <= f.source_commit_ts and f.source_commit_ts < coalesce(us.valid_to, 'infinity'))
      or u.unit_id <> d.unit_id or us.user_id <> u.user_id or f.day_climate_key is null;
  assert v_bad = 0, format('%s ledger rows keyed to the wrong versions', v_bad);
  assert (select count(*) from dw.fact_energy where device_key is null or unit_key is null or user_key is null) = 0, 'all keyed';
  -- dimensions: chains gapless, one current row, device units as in the source
  assert not exists (select 1 from dw.dim_devices a join dw.dim_devices b on b.device_id = a.device_id and b.version = a.version + 1
                      where a.valid_to is distinct from b.valid_from or a.valid_from >= a.valid_to), 'device chains';
  assert not exists (select 1 from dw.dim_devices d join src_device s on s.id = d.device_id
                      where d.is_current and d.unit_id <> s.unit_id), 'current device units match the source';
  assert (select count(*) from dw.dim_devices where is_inferred) = 0, 'no inferred members';
end $$;
