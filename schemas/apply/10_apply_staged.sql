-- ---------------------------------------------------------------------------
-- Entry point
-- ---------------------------------------------------------------------------

-- The warehouse's apply lock. Exclusive (appliers take turns) unless p_config asks for
-- parallel apply (apply.parallel) and nothing in the batch or the warehouse needs the whole
-- warehouse still: transaction consistency (one commit order across tables), Debezium's
-- form (changes wait for ENDs of any partition), a truncate staged or waiting (the barrier
-- orders a table's changes across partitions), changes held for either, and changes waiting
-- from before their partition was recorded (migration 11). Shared, the batch also takes one lock per
-- partition number its applier holds (p_config->'lock_partitions', ascending: a member that
-- lost partitions in a rebalance it has not seen yet waits for the new holder's commit and
-- then sees its work), and pg_temp._own lists the partitions whose waiting facts it may
-- release (p_config->'own': {"energy": [0, 2], …}). Returns true when shared.
create or replace function dw._take_apply_lock(p_config jsonb) returns boolean
language plpgsql as $$
declare
    v_p int;
begin
    if coalesce((p_config->>'parallel')::boolean, false)
       and current_setting('helio.exclusive', true) is distinct from 'on'
       and not dw._needs_whole_warehouse(p_config) then
        perform pg_advisory_xact_lock_shared(hashtext('helio.dw.apply_staged'));
        -- (an exclusive batch may have committed between the look and the lock)
        if dw._needs_whole_warehouse(p_config) then
            raise exception 'helio: the batch needs the warehouse exclusively now; retry'
                using errcode = '40001';
        end if;
        for v_p in select distinct p::int from jsonb_array_elements_text(coalesce(p_config->'lock_partitions', '[]')) p
                    order by 1 loop
            perform pg_advisory_xact_lock(hashtext('helio.dw.partition'), v_p);
        end loop;
        delete from pg_temp._own;
        insert into pg_temp._own (source_table, kpartition)
        select o.key, p::int from jsonb_each(coalesce(p_config->'own', '{}')) o
         cross join lateral jsonb_array_elements_text(o.value) p;
        perform set_config('helio.scope', 'partitions', true);
        return true;
    end if;
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.scope', 'all', true);
    return false;
end
$$;

-- What makes a batch take the apply lock exclusively (see dw._take_apply_lock).
create or replace function dw._needs_whole_warehouse(p_config jsonb) returns boolean
language plpgsql stable as $$
begin
    return coalesce((p_config->>'transaction_consistency')::boolean, false)
        or coalesce((p_config->>'debezium_form')::boolean, false)
        or exists (select 1 from pg_temp.stage_changes s where s.op = 't')
        or exists (select 1 from dw.pending_dim p where p.row_id is null or p.kpartition is null)
        or exists (select 1 from dw.pending_fact p where p.row_id is null or p.kpartition is null)
        or exists (select 1 from dw.held_change)
        or exists (select 1 from dw.unresolved_change);
end
$$;

-- Applies everything staged in pg_temp.stage_changes / pg_temp.stage_tx.
-- Idempotent: duplicates and replays of a batch change nothing.
-- jit is off (its compile time exceeds the gain on batch-sized statements),
-- work_mem is raised so that batch-sized sorts and hashes stay in memory, and
-- random_page_cost is that of a cached/SSD warehouse, so that per-batch
-- updates of large tables (fact_state, dimensions) probe indexes instead of
-- scanning them.
create or replace function dw.apply_staged(p_config jsonb default '{}'::jsonb) returns jsonb
language plpgsql
set jit = off
set work_mem = '64MB'
set random_page_cost = 1.1
as $$
declare
    v_cfg jsonb;
    v_tz text;
    v_minutes numeric;
    v_ends int;
    v_tables text[];
    v_users int := 0; v_units int := 0; v_devices int := 0;
    v_irr int := 0;
    v_deferred int;
    v_w pg_lsn;
    v_we pg_lsn; v_wc pg_lsn;   -- how far facts of energy / energy_compensate may go
    v_energy int := 0; v_comp int := 0;
    v_typed_energy bigint; v_typed_comp bigint; v_typed_deferred bigint;
    v_released bigint := 0;
    v_pending bigint;
    v_held bigint;
    v_awaiting_end bigint := 0;
    v_shared boolean;
begin
    perform dw.create_staging();
    v_cfg := dw.effective_config(p_config);
    -- Appliers take turns (the lock exclusive), or, with apply.parallel, apply their
    -- partitions' batches at the same time (shared); see dw._take_apply_lock.
    v_shared := dw._take_apply_lock(p_config);
    v_tz := v_cfg->>'timezone';
    v_minutes := (v_cfg->>'sample_minutes')::numeric;
    -- the quality rules, for dw._quality_check (for this transaction only)
    delete from pg_temp._qcount;
    perform set_config('helio.quality', jsonb_build_object('rules', v_cfg->'quality_rules',
                                                           'sample_minutes', v_minutes,
                                                           'release', v_cfg->'quality_release')::text, true);
    -- changes released from the quarantine were counted toward their ENDs when held
    perform set_config('helio.release', case when (v_cfg->>'quality_release')::boolean then 'on' else 'off' end, true);

    perform dw._stage_end_counts();
    v_ends := dw.record_tx_ends(array(select jsonb_array_elements_text(v_cfg->'collections')));
    if (v_cfg->>'debezium_form')::boolean then
        v_awaiting_end := dw._join_commit_positions(array(select jsonb_array_elements_text(v_cfg->'collections')));
    end if;
    if not (v_cfg->>'quality_release')::boolean then
        perform dw._count_arrivals();
    end if;
    perform dw._hold_behind_errors();
    if (v_cfg->>'transaction_consistency')::boolean then
        -- held changes are kept as jsonb: typed ones join the others first
        perform dw._route_staged_facts('energy', null, true);
        perform dw._route_staged_facts('energy_compensate', null, true);
    end if;
    v_held := dw.hold_incomplete_transactions((v_cfg->>'transaction_consistency')::boolean);

    -- which source tables the batch holds (tables absent cost nothing), and
    -- dimension tables with changes waiting behind a truncate
    select coalesce(array_agg(distinct x.source_table), '{}') into v_tables
      from (select s.source_table from pg_temp.stage_changes s
            union all
            select p.source_table from pg_temp.pending_dim_mine p) x;

    if 'users' = any (v_tables) then
        v_users := dw.apply_dimension('users',
            array(select jsonb_array_elements_text(v_cfg->'dim_users'->'type2')),
            array(select jsonb_array_elements_text(v_cfg->'dim_users'->'type1')));
    end if;
    if 'units' = any (v_tables) then
        v_units := dw.apply_dimension('units',
            array(select jsonb_array_elements_text(v_cfg->'dim_units'->'type2')),
            array(select jsonb_array_elements_text(v_cfg->'dim_units'->'type1')));
    end if;
    if 'devices' = any (v_tables) then
        v_devices := dw.apply_dimension('devices',
            array(select jsonb_array_elements_text(v_cfg->'dim_devices'->'type2')),
            array(select jsonb_array_elements_text(v_cfg->'dim_devices'->'type1')));
    end if;
    if 'irradiance' = any (v_tables) then
        v_irr := dw.apply_irradiance(v_tz, v_minutes);
    end if;

    -- facts: those above the watermark wait in pending_fact, and those at or
    -- after a truncate of their table that must still wait (the barrier)
    v_w := coalesce(dw.dim_watermark(), '0/0'::pg_lsn);
    v_we := dw._fact_cutoff('energy', v_w);
    v_wc := dw._fact_cutoff('energy_compensate', v_w);
    if dw._probing() then   -- (dw._probe_waiting: nothing waits)
        v_we := 'FFFFFFFF/FFFFFFFF';
        v_wc := v_we;
    end if;
    if exists (select 1 from pg_temp.pending_mine p where p.typed and p.commit_lsn <= greatest(v_we, v_wc)) then
        v_released := dw._release_typed_pending(v_we, v_wc);
    end if;
    select count(*) into v_typed_deferred from pg_temp.stage_facts f
     where f.commit_lsn > case f.source_table when 'energy' then v_we else v_wc end;
    v_typed_energy := dw._route_staged_facts('energy', v_we, false);
    v_typed_comp := dw._route_staged_facts('energy_compensate', v_wc, false);
    insert into dw.pending_fact (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.commit_lsn, s.tx_id, s.commit_ts, s.after, s.before, s.kpartition
      from pg_temp.stage_changes s
     where (s.source_table = 'energy' and s.commit_lsn > v_we)
        or (s.source_table = 'energy_compensate' and s.commit_lsn > v_wc)
    on conflict on constraint pending_fact_change do nothing;
    get diagnostics v_deferred = row_count;

    -- (stage_changes is looked at again: typed changes may have moved there)
    if exists (select 1 from pg_temp.stage_changes where source_table = 'energy' and commit_lsn <= v_we)
       or exists (select 1 from pg_temp.pending_mine where commit_lsn <= v_we and source_table = 'energy') then
        v_energy := dw.apply_fact_table('energy', v_tz, v_we);
    end if;
    if exists (select 1 from pg_temp.stage_changes where source_table = 'energy_compensate' and commit_lsn <= v_wc)
       or exists (select 1 from pg_temp.pending_mine where commit_lsn <= v_wc and source_table = 'energy_compensate') then
        v_comp := dw.apply_fact_table('energy_compensate', v_tz, v_wc);
    end if;
    -- rows never seen before change independently of those: the order between them does not matter
    if v_typed_energy > 0 then
        v_energy := v_energy + dw._fact_typed_round('energy', v_tz);
    end if;
    if v_typed_comp > 0 then
        v_comp := v_comp + dw._fact_typed_round('energy_compensate', v_tz);
    end if;
    delete from pg_temp.pending_mine
     where commit_lsn <= greatest(v_we, v_wc)
       and commit_lsn <= case source_table when 'energy' then v_we else v_wc end;
    get diagnostics v_pending = row_count;
    v_released := v_released + v_pending;
    select count(*) into v_pending from pg_temp.pending_mine;
    if v_released > 0 and v_pending = 0 and not coalesce((p_config->>'parallel')::boolean, false) then
        -- emptied: truncated, so that the next batches' looks into it (every
        -- batch makes some) do not read the pages of what was just deleted
        -- until autovacuum comes by (a catch-up can leave 100,000s there).
        -- Not with apply.parallel: another applier's batch holds the table's share lock
        -- from its look at it (dw._needs_whole_warehouse) while it waits for this batch's
        -- exclusive advisory lock, and TRUNCATE would wait for it: a deadlock.
        truncate dw.pending_fact;
    end if;

    -- every transaction below the watermark is complete: prune them (sharing the
    -- warehouse, one applier at a time does it, and the others do not wait for it:
    -- the rows it leaves are pruned by the next batch)
    if v_w > '0/0'::pg_lsn and (not v_shared or pg_try_advisory_xact_lock(hashtext('helio.dw.prune_tx_log'))) then
        -- (transaction consistency still needs the ENDs of transactions not yet released)
        delete from dw.tx_log where commit_lsn < v_w
           and commit_lsn <= coalesce((select h.commit_lsn from dw.tc_horizon h), 'FFFFFFFF/FFFFFFFF'::pg_lsn);
        insert into dw.tx_log_horizon as h (singleton, commit_lsn) values (true, v_w)
        on conflict (singleton) do update set commit_lsn = excluded.commit_lsn where h.commit_lsn < excluded.commit_lsn;
    end if;

    return jsonb_build_object(
        'tx_ends', v_ends,
        'dim_users', v_users, 'dim_units', v_units, 'dim_devices', v_devices,
        'irradiance', v_irr,
        'facts_deferred', v_deferred + v_typed_deferred,
        'ledger_energy', v_energy, 'ledger_energy_compensate', v_comp,
        'facts_pending', v_pending,
        'held', v_held,
        'awaiting_end', v_awaiting_end,
        'dim_waiting', (select count(*) from pg_temp.pending_dim_mine),   -- (this applier's, when shared)
        'quality', dw._quality_counts(),
        'watermark', v_w::text,
        'lock', case when v_shared then 'shared' else 'exclusive' end);
end
$$;
