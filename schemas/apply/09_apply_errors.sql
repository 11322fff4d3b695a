-- ---------------------------------------------------------------------------
-- Apply errors: one change that cannot be applied never stops the others
-- ---------------------------------------------------------------------------

-- apply's entry point: dw.apply_staged, in a subtransaction. When it fails on
-- the data (a value that does not cast, a constraint the source does not have:
-- SQLSTATE classes 22 and 23), the batch is split in halves by seq, each half
-- applied on its own (a prefix of each partition's records, as if Kafka had cut
-- the batch there), until the changes that fail alone are found: they go to
-- dw.quarantine with the error (rules {apply_error}) and count as arrived, so
-- that the watermark and the barrier move on; the rest applies. Later changes
-- of their rows wait behind them (dw._hold_behind_errors) until an operator
-- releases or drops them. Any other error fails the batch as before.
-- The changes that waited in the warehouse (parked in dw.pending_dim, in
-- dw.pending_fact above the watermark, in dw.held_change for transaction
-- consistency, in dw.unresolved_change for their END in Debezium's form)
-- arrived before the batch and come back during it: the halving takes them as
-- the batch's first part (dw._iso_wait), so that one of them that fails is
-- found and held like a change of the batch.
create or replace function dw.apply_batch(p_config jsonb default '{}'::jsonb) returns jsonb
language plpgsql as $$
declare
    v_err text;
    v_state text;
begin
    begin
        return dw.apply_staged(p_config);
    exception when data_exception or integrity_constraint_violation then
        get stacked diagnostics v_err = message_text, v_state = returned_sqlstate;
    end;
    if v_state = '23505' and coalesce((p_config->>'parallel')::boolean, false) then
        -- Sharing the warehouse, another applier may have committed the row this batch went
        -- to insert (an inferred member, completed here in place) after the batch looked:
        -- once more, now that it is visible, before any change is taken for a failure.
        begin
            return dw.apply_staged(p_config);
        exception when data_exception or integrity_constraint_violation then
            get stacked diagnostics v_err = message_text;
        end;
    end if;
    return dw._apply_isolating(p_config, v_err);
end
$$;

create or replace function dw._apply_isolating(p_config jsonb, p_error text) returns jsonb
language plpgsql as $$
declare
    v_lo bigint;
    v_hi bigint;
    v_stats jsonb;
begin
    -- Isolation takes out and puts back every change waiting in the warehouse, whichever
    -- partition it came from: with appliers sharing the warehouse (apply.parallel) it waits
    -- for the others' batches to commit and runs alone (the failed attempt's shared lock
    -- went with its rollback), and its ranges' attempts take the lock exclusively too.
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.exclusive', 'on', true);
    drop table if exists _iso_changes, _iso_facts, _iso_tx, _iso_stats, _iso_failed, _iso_wait;
    create temp table _iso_changes on commit drop as select * from pg_temp.stage_changes;
    create temp table _iso_facts on commit drop as select * from pg_temp.stage_facts;
    create temp table _iso_tx on commit drop as select * from pg_temp.stage_tx;
    create temp table _iso_stats (stats jsonb) on commit drop;
    create temp table _iso_failed (seq bigint, source_table text, row_id bigint, lsn pg_lsn, error text) on commit drop;
    -- the changes waiting in the warehouse, taken out and numbered before the
    -- batch's first seq in source order; each range puts its own back
    select min(x.seq) into v_lo
      from (select seq from _iso_changes union all select seq from _iso_facts) x;
    -- (a change waiting for its END, kind unres, carries the commit position
    -- its END gives if that END is known by now, recorded or in this batch)
    create temp table _iso_wait on commit drop as
    select coalesce(v_lo, 1) - count(*) over () - 1 + row_number() over (order by w.commit_lsn, w.lsn, w.kind, w.seq) as iseq,
           w.kind, w.source_table, w.row_id, w.commit_lsn, w.lsn, w.typed, w.r
      from (select 'dim'::text as kind, p.seq, p.source_table, p.row_id, p.commit_lsn, p.lsn, false as typed, to_jsonb(p) as r
              from dw.pending_dim p
            union all
            select 'fact', p.seq, p.source_table, p.row_id, p.commit_lsn, p.lsn, p.typed, to_jsonb(p)
              from dw.pending_fact p
            union all
            select 'held', h.seq, h.source_table, h.row_id, h.commit_lsn, h.lsn, false, to_jsonb(h)
              from dw.held_change h
            union all
            select 'unres', u.seq, u.source_table, u.row_id,
                   (select min(t.commit_lsn)
                      from (select c.tx_id, c.commit_lsn from dw.tx_commit c
                            union all select x.tx_id, x.commit_lsn from _iso_tx x) t
                     where t.tx_id = u.tx_id and t.commit_lsn > u.lsn),
                   u.lsn, false, to_jsonb(u)
              from dw.unresolved_change u) w;
    delete from dw.pending_dim;
    delete from dw.pending_fact;
    delete from dw.held_change;
    delete from dw.unresolved_change;
    select min(w.iseq), max(w.iseq) into v_lo, v_hi from _iso_wait w;
    perform dw._screen_waiting(p_config, v_lo, v_hi);
    select min(x.seq), max(x.seq) into v_lo, v_hi
      from (select seq from _iso_changes union all select seq from _iso_facts union all select iseq from _iso_wait) x;
    -- (nothing left to halve: the ENDs alone below; if they still fail, so does the batch)
    if v_lo is not null then
        perform dw._apply_range(p_config, v_lo, v_hi);
    end if;
    -- the batch's ENDs, whatever failed (recorded once: a repeat is ignored)
    delete from pg_temp.stage_changes;
    delete from pg_temp.stage_facts;
    delete from pg_temp.stage_tx;
    insert into pg_temp.stage_tx select * from _iso_tx;
    v_stats := dw.apply_staged(p_config);
    return v_stats || jsonb_build_object(
        'quality', coalesce((select jsonb_agg(e) from _iso_stats st, jsonb_array_elements(st.stats->'quality') e), '[]'::jsonb),
        'isolated', coalesce((select jsonb_agg(jsonb_build_object('seq', f.seq, 'table', f.source_table, 'row_id', f.row_id,
                                                                  'lsn', f.lsn::text, 'error', f.error) order by f.seq)
                                from _iso_failed f), '[]'::jsonb));
end
$$;

-- Stages the waiting changes numbered p_iseqs (dw._apply_isolating) as they
-- were staged when they arrived, for the quarantine.
drop function if exists dw._stage_waiting(bigint, bigint);
-- A change waiting for its END is staged with the END's commit position when
-- it is known, and not at all otherwise (it cannot apply, so it cannot fail).
create or replace function dw._stage_waiting(p_iseqs bigint[]) returns void
language plpgsql as $$
begin
    insert into pg_temp.stage_changes
    select (jsonb_populate_record(null::pg_temp.stage_changes,
                                  case when w.kind = 'unres' then w.r || jsonb_build_object('commit_lsn', w.commit_lsn) else w.r end)).*
      from _iso_wait w
     where w.iseq = any (p_iseqs) and not w.typed and (w.kind <> 'unres' or w.commit_lsn is not null);
    insert into pg_temp.stage_facts
    select (jsonb_populate_record(null::pg_temp.stage_facts, w.r)).*
      from _iso_wait w where w.iseq = any (p_iseqs) and w.typed;
end
$$;

-- Puts the waiting changes numbered p_lo..p_hi back where they waited, but
-- those of a row with a held apply error: they wait behind it, held (a
-- dimension change counted toward its END then, as if applied).
create or replace function dw._restore_waiting(p_lo bigint, p_hi bigint) returns void
language plpgsql as $$
declare
    v_behind bigint[];
begin
    if not exists (select 1 from _iso_wait w where w.iseq between p_lo and p_hi) then
        return;
    end if;
    v_behind := array(
        select w.iseq from _iso_wait w
         where w.iseq between p_lo and p_hi
           and exists (select 1 from dw.quarantine q
                        where q.status = 'held' and q.error is not null
                          and q.source_table = w.source_table and q.row_id = w.row_id
                          and (q.commit_lsn, q.lsn) <= (w.commit_lsn, w.lsn)));
    if cardinality(v_behind) > 0 then
        delete from pg_temp.stage_changes;
        delete from pg_temp.stage_facts;
        perform dw._stage_waiting(v_behind);
        perform dw._quarantine_staged('{behind_error}', 'waits behind a change apply could not apply', 'all');
        delete from pg_temp.stage_changes;
        delete from pg_temp.stage_facts;
    end if;
    insert into dw.pending_dim
    select (jsonb_populate_record(null::dw.pending_dim, w.r)).*
      from _iso_wait w
     where w.iseq between p_lo and p_hi and w.kind = 'dim' and not w.iseq = any (v_behind)
    on conflict on constraint pending_dim_event do nothing;
    insert into dw.pending_fact
    select (jsonb_populate_record(null::dw.pending_fact, w.r)).*
      from _iso_wait w
     where w.iseq between p_lo and p_hi and w.kind = 'fact' and not w.iseq = any (v_behind)
    on conflict on constraint pending_fact_change do nothing;
    insert into dw.held_change
    select (jsonb_populate_record(null::dw.held_change, w.r)).*
      from _iso_wait w
     where w.iseq between p_lo and p_hi and w.kind = 'held' and not w.iseq = any (v_behind)
    on conflict on constraint held_change_event do nothing;
    insert into dw.unresolved_change
    select (jsonb_populate_record(null::dw.unresolved_change, w.r)).*
      from _iso_wait w
     where w.iseq between p_lo and p_hi and w.kind = 'unres' and not w.iseq = any (v_behind)
    on conflict on constraint unresolved_change_event do nothing;
end
$$;

-- A change that waited comes back only with what it waited for (the rest of
-- its transaction, the watermark passing it): halving the batch would hold
-- that innocent change instead. So the waiting changes are first tried on
-- their own, as if nothing had to wait (dw._probing), in subtransactions that
-- are always rolled back; the ones that fail alone are held before the batch
-- is halved.
create or replace function dw._probing() returns boolean
language sql stable as $$ select current_setting('helio.probe', true) = 'on' $$;

-- The error of applying the waiting changes p_lo..p_hi as if nothing had to
-- wait (null when they apply); the warehouse is left as it was.
create or replace function dw._probe_waiting(p_config jsonb, p_lo bigint, p_hi bigint) returns text
language plpgsql as $$
declare
    v_err text;
begin
    begin
        perform set_config('helio.probe', 'on', true);
        delete from pg_temp.stage_changes;
        delete from pg_temp.stage_facts;
        delete from pg_temp.stage_tx;
        perform dw._stage_waiting(array(select w.iseq from _iso_wait w where w.iseq between p_lo and p_hi));
        perform dw.apply_staged(p_config || '{"transaction_consistency": false}');
        raise exception 'helio: probe applied' using errcode = 'HP001';   -- roll back what applied
    exception
        when sqlstate 'HP001' then
            return null;
        when data_exception or integrity_constraint_violation then
            get stacked diagnostics v_err = message_text;
            return v_err;
    end;
end
$$;

-- Holds the waiting changes p_lo..p_hi that fail on their own, halving.
create or replace function dw._screen_waiting(p_config jsonb, p_lo bigint, p_hi bigint) returns void
language plpgsql as $$
declare
    v_err text;
    v_mid bigint;
begin
    if not exists (select 1 from _iso_wait where iseq between p_lo and p_hi) then
        return;
    end if;
    v_err := dw._probe_waiting(p_config, p_lo, p_hi);
    if v_err is null then
        return;
    end if;
    if p_lo >= p_hi then
        perform dw._quarantine_failed(p_lo, v_err);
        return;
    end if;
    v_mid := p_lo + (p_hi - p_lo) / 2;
    perform dw._screen_waiting(p_config, p_lo, v_mid);
    perform dw._screen_waiting(p_config, v_mid + 1, p_hi);
end
$$;

-- Applies the changes of the isolated batch with p_lo <= seq <= p_hi (and all
-- its ENDs), halving the range while it fails on the data.
create or replace function dw._apply_range(p_config jsonb, p_lo bigint, p_hi bigint) returns void
language plpgsql as $$
declare
    v_err text;
    v_mid bigint;
begin
    if not exists (select 1 from _iso_changes where seq between p_lo and p_hi)
       and not exists (select 1 from _iso_facts where seq between p_lo and p_hi)
       and not exists (select 1 from _iso_wait where iseq between p_lo and p_hi) then
        return;
    end if;
    begin
        -- (in the subtransaction: a range that fails takes its waiting changes out again)
        perform dw._restore_waiting(p_lo, p_hi);
        delete from pg_temp.stage_changes;
        delete from pg_temp.stage_facts;
        delete from pg_temp.stage_tx;
        insert into pg_temp.stage_changes select * from _iso_changes where seq between p_lo and p_hi;
        insert into pg_temp.stage_facts select * from _iso_facts where seq between p_lo and p_hi;
        insert into pg_temp.stage_tx select * from _iso_tx;
        insert into _iso_stats values (dw.apply_staged(p_config));
        return;
    exception when data_exception or integrity_constraint_violation then
        get stacked diagnostics v_err = message_text;
    end;
    if p_lo >= p_hi then
        perform dw._quarantine_failed(p_lo, v_err);
        return;
    end if;
    v_mid := p_lo + (p_hi - p_lo) / 2;
    perform dw._apply_range(p_config, p_lo, v_mid);
    perform dw._apply_range(p_config, v_mid + 1, p_hi);
end
$$;

-- The isolated batch's change p_seq failed alone: kept in dw.quarantine with
-- the error, and counted as arrived (its transaction's END counted it).
create or replace function dw._quarantine_failed(p_seq bigint, p_error text) returns void
language plpgsql as $$
declare
    v_new int;
begin
    delete from pg_temp.stage_changes;
    delete from pg_temp.stage_facts;
    delete from pg_temp.stage_tx;
    insert into pg_temp.stage_changes select * from _iso_changes where seq = p_seq;
    insert into pg_temp.stage_facts select * from _iso_facts where seq = p_seq;
    -- a change that waited (its arrival was counted when it first came)
    perform dw._stage_waiting(array[p_seq]);
    insert into _iso_failed
    select p_seq, s.source_table, s.row_id, s.lsn, p_error from pg_temp.stage_changes s
    union all
    select p_seq, f.source_table, f.row_id, f.lsn, p_error from pg_temp.stage_facts f;
    v_new := dw._quarantine_staged('{apply_error}', p_error, 'all');
    -- (a change that waited for its END was not counted yet: it is now, and
    -- joined to its END, as dw._join_commit_positions would have)
    if v_new > 0 and not exists (select 1 from _iso_wait w where w.iseq = p_seq and w.kind <> 'unres') then
        perform dw._count_arrivals();
    end if;
    insert into dw.tx_commit_event (commit_lsn, source_table, row_id, lsn, op)
    select s.commit_lsn, s.source_table, s.row_id, s.lsn, s.op
      from pg_temp.stage_changes s
     where exists (select 1 from _iso_wait w where w.iseq = p_seq and w.kind = 'unres')
    on conflict do nothing;
    delete from _iso_wait w where w.iseq = p_seq;
    delete from pg_temp.stage_changes;
    delete from pg_temp.stage_facts;
end
$$;

-- Moves staged changes into dw.quarantine as held (p_which: 'all'; 'behind':
-- those whose row already has a held apply error; 'paused': those of the tables
-- in dw.paused_table; 'dead': the placeholders of poison records, op x), counting
-- dimension changes toward their transaction's END as dw.apply_dimension
-- would have. Returns the number of new entries.
drop function if exists dw._quarantine_staged(text[], text, boolean);
create or replace function dw._quarantine_staged(p_rules text[], p_error text, p_which text) returns int
language plpgsql as $$
declare
    v_n int;
begin
    drop table if exists _qmove;
    create temp table _qmove on commit drop as
    select s.source_table, s.row_id, s.commit_lsn, s.lsn, s.op, s.commit_ts, s.after, s.before, s.tx_id
      from pg_temp.stage_changes s
     where s.commit_lsn is not null
       and case p_which
           when 'behind' then exists (select 1 from dw.quarantine q
                                       where q.status = 'held' and q.error is not null
                                         and q.source_table = s.source_table and q.row_id = s.row_id
                                         and (q.commit_lsn, q.lsn) <= (s.commit_lsn, s.lsn))
           when 'paused' then s.source_table in (select p.source_table from dw.paused_table p)
           when 'dead' then s.op = 'x'
           else true end
    union all
    select f.source_table, f.row_id, f.commit_lsn, f.lsn, f.op, f.commit_ts,
           case when f.source_table = 'energy'
                then jsonb_build_object('id', f.row_id, 'device_id', f.device_id, 'measured_at', f.measured_at,
                                        'energy_kwh', f.energy_kwh, 'power_kw', f.power_kw)
                else jsonb_build_object('id', f.row_id, 'unit_id', f.unit_id, 'reference_month', f.reference_month,
                                        'injected_kwh', f.injected_kwh, 'consumed_kwh', f.consumed_kwh,
                                        'compensated_kwh', f.compensated_kwh, 'credit_balance_kwh', f.credit_balance_kwh) end,
           null::jsonb, f.tx_id
      from pg_temp.stage_facts f
     where case p_which
           when 'behind' then exists (select 1 from dw.quarantine q
                                       where q.status = 'held' and q.error is not null
                                         and q.source_table = f.source_table and q.row_id = f.row_id
                                         and (q.commit_lsn, q.lsn) <= (f.commit_lsn, f.lsn))
           when 'paused' then f.source_table in (select p.source_table from dw.paused_table p)
           when 'dead' then false
           else true end;
    if p_which <> 'all' then
        delete from pg_temp.stage_changes s using _qmove m
         where s.source_table = m.source_table and s.row_id is not distinct from m.row_id and s.lsn = m.lsn;
        delete from pg_temp.stage_facts s using _qmove m
         where s.source_table = m.source_table and s.row_id = m.row_id and s.lsn = m.lsn;
    end if;
    with added as (
        insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, before, tx_id, rules, error)
        select m.source_table, coalesce(m.row_id, -1), m.commit_lsn, m.lsn, m.op, m.commit_ts,
               coalesce(m.after, '{}'::jsonb), m.before, m.tx_id, p_rules, coalesce(p_error, m.after->>'error')
          from _qmove m
        on conflict on constraint quarantine_change do nothing
        returning source_table, commit_lsn)
    select dw._count_dim_applied(array(select a.commit_lsn from added a where a.source_table in ('users', 'units', 'devices')))
      into v_n;   -- (the events counted; what is returned is how many moved)
    select count(*) into v_n from _qmove;
    return v_n;
end
$$;

-- Later changes of a row whose change apply could not apply wait behind it,
-- held (in source order), never applied out of order; the held change sent
-- again is the same entry. (Its earlier changes, a replay sends again, are not
-- held: they were applied, or apply before it.)
-- Called by apply_staged after the batch's arrivals are counted; costs one
-- probe when nothing is held.
create or replace function dw._hold_behind_errors() returns void
language plpgsql as $$
begin
    -- poison records that were changes (DeadLetterArrival): counted, held, never applied
    if exists (select 1 from pg_temp.stage_changes s where s.op = 'x') then
        perform dw._quarantine_staged('{dead_letter}', null, 'dead');   -- (the error: the placeholder's)
        delete from pg_temp.stage_changes s where s.op = 'x';   -- (those not positioned yet included)
    end if;
    if exists (select 1 from dw.quarantine q where q.status = 'held' and q.error is not null) then
        perform dw._quarantine_staged('{behind_error}', 'waits behind a change apply could not apply', 'behind');
    end if;
    -- an operator paused these tables (helio apply pause): all their changes wait
    if exists (select 1 from dw.paused_table) then
        perform dw._quarantine_staged('{paused}', 'the table''s apply is paused', 'paused');
    end if;
end
$$;

-- helio apply pause: the table's changes are held from the next batch on.
create or replace function dw.apply_pause(p_table text, p_by text) returns boolean
language plpgsql as $$
begin
    if p_table not in ('users', 'units', 'devices', 'energy', 'energy_compensate', 'irradiance') then
        raise exception 'helio: % is not a table apply consumes (users, units, devices, energy, energy_compensate, irradiance)', p_table
            using errcode = '22023';
    end if;
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.exclusive', 'on', true);   -- (dw._take_apply_lock: stays exclusive)
    insert into dw.paused_table (source_table, paused_by) values (p_table, p_by) on conflict do nothing;
    return found;
end
$$;

-- helio apply resume: the table's held changes (and any held change of their
-- rows) are applied in source order, and its apply goes on. Returns how many.
create or replace function dw.apply_resume(p_table text, p_config jsonb, p_by text) returns int
language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform set_config('helio.exclusive', 'on', true);   -- (dw._take_apply_lock: stays exclusive)
    delete from dw.paused_table where source_table = p_table;
    return (dw.quality_release(p_table, 'paused', null, p_config, p_by)->>'released')::int;
end
$$;
