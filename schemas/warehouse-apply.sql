-- Helio warehouse: the functions that apply a batch of staged change events
-- (data contract §3). Run after warehouse.sql, as the role that owns schema dw.
-- Every object is `create or replace`, so the file can be run on every start.
--
-- Protocol (one Kafka batch = one database transaction):
--   select dw.create_staging();                      -- once per session (idempotent)
--   begin;
--   copy pg_temp.stage_changes … ; copy pg_temp.stage_facts … ; copy pg_temp.stage_tx … ;
--   select dw.apply_staged('{}');                     -- returns stats as jsonb
--   upsert dw.consumer_offsets … ;
--   commit;                                           -- staging rows vanish on commit
--
-- Everything is set-based: a few statements per table per batch. A source row
-- changed several times in one batch is processed in "rounds" (round k = its
-- k-th transaction for dimensions, its k-th change for facts); each round is
-- set-based and most batches need one. A truncate splits a table's batch into
-- segments (before it, the truncate itself, after it).
--
-- Choices worth knowing:
--   * Values are compared typed (each `after` value cast to the column's type,
--     IS DISTINCT FROM): numeric by value, so "1.2300" equals "1.23" and is no
--     change (numeric(10,3) columns store 1.230 either way).
--   * "__debezium_unavailable_value" in any value means "keep what is held":
--     the current version's value (dimensions), the ledger state's value
--     (facts), the mirror's value (irradiance).
--   * A row inserted and deleted inside one transaction never existed at a
--     commit: it gets no version (its position is still recorded).
--   * A member referenced by a fact at a time before its version 1 (possible
--     only for inferred/late members) is keyed to version 1.
--   * In deltas a null measure counts as 0 when the other side is not null; a
--     measure null on both sides stays null.
--   * The watermark assumes the transaction topic (stage_tx) is consumed in
--     commit order, as Debezium writes it (one partition).
--   * dim_day_climate.day and irradiance_mirror.local_day use the time zone in
--     force when the reading was applied; changing the time zone later needs a
--     reload.

-- ---------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------

-- Removes the keys whose value is the TOAST placeholder ("keep what you hold").
-- Not inlinable: hot paths test strpos(j::text, …) inline first.
create or replace function dw.strip_unavailable(j jsonb) returns jsonb
language sql immutable parallel safe as $$
    select case
        when j is null then null
        when strpos(j::text, '__debezium_unavailable_value') = 0 then j
        else (select coalesce(jsonb_object_agg(e.k, e.v), '{}'::jsonb)
                from jsonb_each(j) as e(k, v)
               where e.v is distinct from '"__debezium_unavailable_value"'::jsonb)
    end
$$;

-- Right-biased merge of jsonb objects in aggregate order (later keys win).
create or replace aggregate dw.jsonb_merge_agg(jsonb) (sfunc = jsonb_concat, stype = jsonb);

-- The source columns a dimension stores (everything but keys and SCD bookkeeping).
create or replace function dw.dim_data_columns(p_dim text, p_nk text, p_sk text) returns text[]
language sql stable as $$
    select array_agg(a.attname::text order by a.attnum)
      from pg_attribute a
     where a.attrelid = format('dw.%I', p_dim)::regclass
       and a.attnum > 0 and not a.attisdropped
       and a.attname not in (p_nk, p_sk, 'valid_from', 'valid_to', 'is_current', 'version',
                             'is_deleted', 'is_inferred', 'source_lsn', 'source_commit_ts', 'loaded_at')
$$;

-- Session staging tables, emptied at every commit. Idempotent per session.
create or replace function dw.create_staging() returns void
language plpgsql as $$
begin
    if to_regclass('pg_temp.stage_changes') is null then
        create temp table stage_changes (
            seq          bigint,
            source_table text    not null,  -- users|units|devices|energy|energy_compensate|irradiance
            op           char(1) not null,  -- c u d r t
            row_id       bigint,            -- the row's id; null for t
            lsn          pg_lsn  not null,
            commit_lsn   pg_lsn,            -- null: Debezium's form, joined to its END (dw._join_commit_positions)
            tx_id        bigint,
            commit_ts    timestamptz not null,
            after        jsonb,
            before       jsonb,
            kpartition   int                -- the Kafka partition it came from (dw._count_arrivals)
        ) on commit delete rows;
    end if;
    -- Inserts and snapshot reads of fact rows, typed: most changes are these,
    -- and staging them typed spares the jsonb parse and every extraction
    -- (see dw._route_staged_facts for which of them stay typed).
    if to_regclass('pg_temp.stage_facts') is null then
        create temp table stage_facts (
            seq                bigint,
            source_table       text    not null,  -- energy|energy_compensate
            op                 char(1) not null,  -- c r
            row_id             bigint  not null,
            lsn                pg_lsn  not null,
            commit_lsn         pg_lsn  not null,
            tx_id              bigint,
            commit_ts          timestamptz not null,
            kpartition         int,
            device_id          bigint,            -- energy
            measured_at        timestamptz,
            energy_kwh         numeric,
            power_kw           numeric,
            unit_id            bigint,            -- energy_compensate
            reference_month    date,
            injected_kwh       numeric,
            consumed_kwh       numeric,
            compensated_kwh    numeric,
            credit_balance_kwh numeric
        ) on commit delete rows;
    end if;
    -- Working tables of dw._fact_key_and_write: made once per session and reused
    -- (a table created and dropped per batch costs a millisecond or so of catalog
    -- work each, which small batches, i.e. low latency, pay most).
    if to_regclass('pg_temp._dv') is null then
        create temp table _dv (device_id bigint, device_key bigint, unit_id bigint,
                               vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _uids (unit_id bigint) on commit delete rows;
        create temp table _uv (unit_id bigint, unit_key bigint, user_id bigint,
                               vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _usv (user_id bigint, user_key bigint, vf timestamptz, vt timestamptz) on commit delete rows;
        create temp table _dc (unit_id bigint, day date, lsn pg_lsn, commit_ts timestamptz) on commit delete rows;
        create temp table _dck (unit_id bigint, day date, day_climate_key bigint) on commit delete rows;
    end if;
    -- the ledger entries being written (dw._fact_round, dw._fact_typed_round); st_* are
    -- what fact_state stores for a row never held
    if to_regclass('pg_temp._fe') is null then
        create temp table _fe (row_id bigint, lsn pg_lsn, commit_lsn pg_lsn, commit_ts timestamptz, ord int,
                               entry_kind text, device_id bigint, unit_id bigint, measured_at timestamptz, day date,
                               generated_kwh numeric, injected_kwh numeric, consumed_kwh numeric,
                               compensated_kwh numeric, power_kw numeric, credit_balance_kwh numeric,
                               st_measured_at timestamptz, st_reference_month date,
                               -- data quality (dw._quality_check): a correction's new full values
                               -- (its measures above are deltas) and the failed flag rules
                               fv_generated_kwh numeric, fv_injected_kwh numeric, fv_consumed_kwh numeric,
                               fv_compensated_kwh numeric, quality_flags text[]) on commit delete rows;
        create temp table _end_counts (commit_lsn pg_lsn, collection text, n int) on commit delete rows;
    end if;
    -- dw._count_arrivals: this batch's arrivals per transaction, table and partition
    if to_regclass('pg_temp._arr') is null then
        create temp table _arr (commit_lsn pg_lsn, source_table text, kpartition int, n bigint,
                                max_lsn pg_lsn, max_row bigint) on commit delete rows;
    end if;
    -- the dimension path's working tables (dw.apply_dimension, dw._dim_segment)
    if to_regclass('pg_temp._dim_ev') is null then
        create temp table _dim_ev (row_id bigint, op char(1), commit_lsn pg_lsn, lsn pg_lsn, commit_ts timestamptz,
                                   after jsonb) on commit delete rows;
        create temp table _dim_trunc (commit_lsn pg_lsn, lsn pg_lsn, commit_ts timestamptz) on commit delete rows;
        create temp table _dim_tx (row_id bigint, commit_lsn pg_lsn, commit_ts timestamptz, last_lsn pg_lsn,
                                   last_op char(1), merged jsonb, rnd int) on commit delete rows;
        create temp table _dim_pos (row_id bigint, commit_lsn pg_lsn, last_lsn pg_lsn) on commit delete rows;
    end if;
    -- data quality (dw._quality_check): the rows of this batch failing a rule, and
    -- the violations counted per table and rule (apply_staged's stats)
    if to_regclass('pg_temp._qhit') is null then
        create temp table _qhit (target_ctid tid, flags text[], warns text[], quars text[]) on commit delete rows;
        create temp table _qcount (source_table text, rule text, n bigint) on commit delete rows;
    end if;
    -- the rows whose change dw._quality_check quarantined in this round (their
    -- entries are gone from pg_temp._fe; dw._fact_round keeps their state as it was)
    if to_regclass('pg_temp._qrows') is null then
        create temp table _qrows (row_id bigint primary key) on commit delete rows;
    end if;
    if to_regclass('pg_temp.stage_tx') is null then
        create temp table stage_tx (
            tx_id       bigint,
            commit_lsn  pg_lsn not null,
            commit_ts   timestamptz,
            event_count int,
            collections jsonb              -- {"public.users":2,"public.energy":10}
        ) on commit delete rows;
    end if;
end
$$;

-- Effective configuration: defaults of the contract, overridden by p_config.
-- Type-2/type-1 lists are read from p_config->'dim_x'->'type2' or
-- p_config->'type2'->'dim_x'; source names "phone" and "document" map to the
-- stored columns phone_masked and document_hash.
create or replace function dw.effective_config(p_config jsonb) returns jsonb
language plpgsql stable as $$
declare
    v_cfg jsonb := coalesce(p_config, '{}'::jsonb);
    v_defaults constant jsonb := '{
      "dim_users":   {"type2": ["status", "email"],
                      "type1": ["name", "phone_masked", "document_hash"]},
      "dim_units":   {"type2": ["user_id", "installed_power_kwp", "tariff_class", "utility", "status", "city", "state"],
                      "type1": ["name", "address", "latitude", "longitude"]},
      "dim_devices": {"type2": ["unit_id", "model", "nominal_power_kw", "firmware_version", "status"],
                      "type1": ["manufacturer", "serial_number", "kind", "installed_at"]}
    }';
    v_out jsonb;
    v_dim record;
    v_kind text;
    v_list jsonb;
    v_cols text[];
    v_col text;
    v_mapped text[];
begin
    v_out := jsonb_build_object(
        'timezone', coalesce(v_cfg->>'timezone', 'America/Sao_Paulo'),
        'sample_minutes', coalesce((v_cfg->>'sample_minutes')::numeric, 15),
        'transaction_consistency', coalesce((v_cfg->>'transaction_consistency')::boolean, false),
        -- the change topics hold Debezium's record form (dw._join_commit_positions)
        'debezium_form', coalesce((v_cfg->>'debezium_form')::boolean, false),
        -- data-quality rules (dw._quality_check); none unless given
        'quality_rules', coalesce(v_cfg->'quality_rules', '[]'::jsonb),
        -- dw.quality_release's own call: what it stages are quarantined changes, not arrivals
        'quality_release', coalesce((v_cfg->>'quality_release')::boolean, false),
        -- the collections apply consumes: the only ones whose events can arrive
        'collections', coalesce(v_cfg->'collections', '["public.users", "public.units", "public.devices",
                                                        "public.energy", "public.energy_compensate", "public.irradiance"]'));
    perform now() at time zone (v_out->>'timezone');   -- rejects an unknown zone
    for v_dim in select * from (values ('dim_users', 'user_id', 'user_key'),
                                       ('dim_units', 'unit_id', 'unit_key'),
                                       ('dim_devices', 'device_id', 'device_key')) d(dim, nk, sk) loop
        v_cols := dw.dim_data_columns(v_dim.dim, v_dim.nk, v_dim.sk);
        foreach v_kind in array array['type2', 'type1'] loop
            v_list := coalesce(v_cfg->v_dim.dim->v_kind, v_cfg->v_kind->v_dim.dim, v_defaults->v_dim.dim->v_kind);
            v_mapped := array[]::text[];
            for v_col in select jsonb_array_elements_text(v_list) loop
                v_col := case v_col when 'phone' then 'phone_masked' when 'document' then 'document_hash' else v_col end;
                if not v_col = any (v_cols) then
                    raise exception 'helio: % is not a column of dw.% (config %)', v_col, v_dim.dim, v_kind
                        using errcode = '22023';
                end if;
                v_mapped := v_mapped || v_col;
            end loop;
            v_out := jsonb_set(v_out, array[v_dim.dim], coalesce(v_out->v_dim.dim, '{}'::jsonb)
                               || jsonb_build_object(v_kind, to_jsonb(v_mapped)));
        end loop;
    end loop;
    return v_out;
end
$$;

-- ---------------------------------------------------------------------------
-- Dimensions (SCD type 2)
-- ---------------------------------------------------------------------------

-- Applies round p_round of pg_temp._dim_tx (one row per natural key and source
-- transaction: commit_ts, last_lsn, last_op, merged `after`) to dw.<p_dim>.
-- New values are typed casts of the merged `after` (a key absent, or holding
-- the placeholder, keeps the current version's value); type-2 and type-1
-- columns are compared by typed value with IS DISTINCT FROM.
create or replace function dw._dim_round(p_dim text, p_nk text, p_sk text, p_cols text[],
                                         p_type2 text[], p_type1 text[], p_round int)
returns void language plpgsql as $$
declare
    v_t2 text := 'false';
    v_t1 text := 'false';
    v_new text;
    v_cur text;
    v_set text;
    v_ins text;
    v_sel text;
begin
    if cardinality(p_type2) > 0 then
        select format('row(%s) is distinct from row(%s)',
                      string_agg(format('x.%I', 'n_' || c), ', '), string_agg(format('x.%I', 'o_' || c), ', '))
          into v_t2 from unnest(p_type2) c;
    end if;
    if cardinality(p_type1) > 0 then
        select format('row(%s) is distinct from row(%s)',
                      string_agg(format('x.%I', 'n_' || c), ', '), string_agg(format('x.%I', 'o_' || c), ', '))
          into v_t1 from unnest(p_type1) c;
    end if;
    select string_agg(format('case when c.last_op = ''d'' or not coalesce(c.merged ? %L, false) then d.%I '
                             'else (c.merged->>%L)::%s end as %I',
                             a.attname, a.attname, a.attname, format_type(a.atttypid, a.atttypmod), 'n_' || a.attname),
                      ', ' order by a.attnum),
           string_agg(format('d.%I as %I', a.attname, 'o_' || a.attname), ', ' order by a.attnum)
      into v_new, v_cur
      from pg_attribute a
     where a.attrelid = format('dw.%I', p_dim)::regclass and a.attname = any (p_cols);
    select string_agg(format('%I = r.%I', c, 'n_' || c), ', '),
           string_agg(format('%I', c), ', '),
           string_agg(format('r.%I', 'n_' || c), ', ')
      into v_set, v_ins, v_sel
      from unnest(p_cols) c;

    drop table if exists _dim_round;
    execute format($q$
        create temp table _dim_round on commit drop as
        select x.*,
               case
                 when x.cur_key is null then case when x.last_op = 'd' then 'none' else 'insert' end
                 when x.last_op = 'd' then
                      case when x.cur_deleted then 'none'
                           when x.commit_ts <= x.cur_from then 'inplace' else 'version' end
                 when x.cur_inferred then 'inplace'
                 when x.cur_deleted or (%s) then
                      case when x.commit_ts <= x.cur_from then 'inplace' else 'version' end
                 when %s then 'inplace'
                 else 'none'
               end as action
          from (select c.row_id, c.commit_lsn, c.commit_ts, c.last_lsn, c.last_op,
                       d.%I as cur_key, d.version as cur_version, d.valid_from as cur_from,
                       d.is_deleted as cur_deleted, d.is_inferred as cur_inferred,
                       %s, %s
                  from pg_temp._dim_tx c
                  left join lateral (select * from dw.%I d where d.%I = c.row_id and d.is_current offset 0) d on true
                 where c.rnd = %s) x
    $q$, v_t2, v_t1, p_sk, v_new, v_cur, p_dim, p_nk, p_round);

    -- close the versions that a new one replaces
    execute format($q$
        update dw.%I d set valid_to = r.commit_ts, is_current = false, loaded_at = now()
          from pg_temp._dim_round r
         where r.action = 'version' and d.%I = r.cur_key
    $q$, p_dim, p_sk);
    -- overwrite in place: type-1 change, inferred member completed, same commit time
    execute format($q$
        update dw.%I d set %s,
               is_deleted = (r.last_op = 'd'),
               is_inferred = false,
               valid_from = case when r.cur_inferred and d.version = 1
                                 then least(d.valid_from, r.commit_ts) else d.valid_from end,
               source_lsn = r.last_lsn, source_commit_ts = r.commit_ts, loaded_at = now()
          from pg_temp._dim_round r
         where r.action = 'inplace' and d.%I = r.cur_key
    $q$, p_dim, v_set, p_sk);
    -- open new versions (version 1 for new keys)
    execute format($q$
        insert into dw.%I (%I, %s, valid_from, valid_to, is_current, version, is_deleted, is_inferred,
                           source_lsn, source_commit_ts, loaded_at)
        select r.row_id, %s, r.commit_ts, null, true, coalesce(r.cur_version, 0) + 1, r.last_op = 'd', false,
               r.last_lsn, r.commit_ts, now()
          from pg_temp._dim_round r
         where r.action in ('insert', 'version')
    $q$, p_dim, p_nk, v_ins, v_sel);
end
$$;

-- Collapses the events of pg_temp._dim_ev up to p_upper (all if null) to one
-- row per key and transaction (the last op; the `after` images merged in lsn
-- order, placeholders removed), applies them in rounds and records positions.
create or replace function dw._dim_segment(p_source text, p_dim text, p_nk text, p_sk text, p_cols text[],
                                           p_type2 text[], p_type1 text[],
                                           p_upper_commit pg_lsn, p_upper_lsn pg_lsn)
returns void language plpgsql as $$
declare
    v_rounds int;
begin
    delete from pg_temp._dim_tx;
    insert into pg_temp._dim_tx (row_id, commit_lsn, commit_ts, last_lsn, last_op, merged, rnd)
    select y.row_id, y.commit_lsn, y.commit_ts, y.last_lsn, y.last_op, y.merged,
           dense_rank() over (partition by y.row_id order by y.commit_lsn)::int as rnd
      from (select e.row_id, e.commit_lsn,
                   last_value(e.commit_ts) over w as commit_ts,
                   last_value(e.lsn) over w as last_lsn,
                   last_value(e.op) over w as last_op,
                   dw.jsonb_merge_agg(case when strpos(e.after::text, '__debezium_unavailable_value') > 0
                                           then dw.strip_unavailable(e.after) else e.after end) over w as merged,
                   row_number() over w as k
              from pg_temp._dim_ev e
             where p_upper_commit is null or (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn)
            window w as (partition by e.row_id, e.commit_lsn order by e.lsn
                         rows between unbounded preceding and unbounded following)) y
     where y.k = 1;
    delete from pg_temp._dim_ev e
     where p_upper_commit is null or (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);

    select coalesce(max(rnd), 0) into v_rounds from pg_temp._dim_tx;
    for r in 1 .. v_rounds loop
        perform dw._dim_round(p_dim, p_nk, p_sk, p_cols, p_type2, p_type1, r);
    end loop;
    perform dw._record_positions(p_source);
end
$$;

-- Positions of pg_temp._dim_tx rows (the greatest per key wins).
create or replace function dw._record_positions(p_source text) returns void
language plpgsql as $$
begin
    delete from pg_temp._dim_pos;
    insert into pg_temp._dim_pos (row_id, commit_lsn, last_lsn)
    select distinct on (t.row_id) t.row_id, t.commit_lsn, t.last_lsn
      from pg_temp._dim_tx t
     order by t.row_id, t.commit_lsn desc, t.last_lsn desc;
    update dw.applied_position p
       set commit_lsn = t.commit_lsn, lsn = t.last_lsn
      from pg_temp._dim_pos t
     where p.source_table = p_source and p.source_id = t.row_id
       and (t.commit_lsn, t.last_lsn) > (p.commit_lsn, p.lsn);
    insert into dw.applied_position (source_table, source_id, commit_lsn, lsn)
    select p_source, t.row_id, t.commit_lsn, t.last_lsn
      from pg_temp._dim_pos t
     where not exists (select 1 from dw.applied_position p where p.source_table = p_source and p.source_id = t.row_id);
end
$$;

-- Applies the staged changes of one dimension source table. Returns the number
-- of new (not duplicate) events, which also count toward the watermark.
create or replace function dw.apply_dimension(p_source text, p_type2 text[], p_type1 text[])
returns int language plpgsql as $$
declare
    v_dim text; v_nk text; v_sk text;
    v_cols text[];
    v_events int;
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_cut pg_lsn;
    v_open pg_lsn;
    t record;
begin
    select d.dim, d.nk, d.sk into v_dim, v_nk, v_sk
      from (values ('users', 'dim_users', 'user_id', 'user_key'),
                   ('units', 'dim_units', 'unit_id', 'unit_key'),
                   ('devices', 'dim_devices', 'device_id', 'device_key')) d(src, dim, nk, sk)
     where d.src = p_source;
    if v_dim is null then
        raise exception 'helio: % is not a dimension source table', p_source;
    end if;
    v_cols := dw.dim_data_columns(v_dim, v_nk, v_sk);

    -- changes that must wait are parked in pending_dim, and come back when
    -- they may go: those at or after a truncate that must still wait (the
    -- truncate barrier), and those of a transaction not yet whole (versions
    -- are per source transaction, and a batch may end inside one) — with,
    -- in both cases, every change of the table committed after them, so
    -- that each row's changes keep their order
    v_cut := dw._unripe_truncate(p_source);
    v_open := dw._first_incomplete_transaction(p_source);
    if v_open is not null and (v_cut is null or v_open < v_cut) then
        v_cut := v_open;
    end if;
    if exists (select 1 from dw.pending_dim p where p.source_table = p_source) then
        with back as (
            delete from dw.pending_dim p
             where p.source_table = p_source and (v_cut is null or p.commit_lsn < v_cut) returning p.*)
        insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
        select b.seq, b.source_table, b.op, b.row_id, b.lsn, b.commit_lsn, b.tx_id, b.commit_ts, b.after, b.before
          from back b;
    end if;
    if v_cut is not null then
        with parked as (
            delete from pg_temp.stage_changes s
             where s.source_table = p_source and s.commit_lsn >= v_cut returning s.*)
        insert into dw.pending_dim (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
        select k.seq, k.source_table, k.op, k.row_id, k.lsn, k.commit_lsn, k.tx_id, k.commit_ts, k.after, k.before
          from parked k
        on conflict on constraint pending_dim_event do nothing;
    end if;

    -- new events: not at or below the row's applied position; duplicates removed
    delete from pg_temp._dim_ev;
    insert into pg_temp._dim_ev (row_id, op, commit_lsn, lsn, commit_ts, after)
    select distinct on (s.row_id, s.commit_lsn, s.lsn)
           s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after
      from pg_temp.stage_changes s
      left join lateral (select * from dw.applied_position p
                          where p.source_table = p_source and p.source_id = s.row_id offset 0) p on true
     where s.source_table = p_source and s.op in ('c', 'u', 'd', 'r') and s.row_id is not null
       and (p.source_id is null or (s.commit_lsn, s.lsn) > (p.commit_lsn, p.lsn))
     order by s.row_id, s.commit_lsn, s.lsn, s.seq;

    delete from pg_temp._dim_trunc;
    insert into pg_temp._dim_trunc (commit_lsn, lsn, commit_ts)
    select distinct on (s.commit_lsn, s.lsn) s.commit_lsn, s.lsn, s.commit_ts
      from pg_temp.stage_changes s
     where s.source_table = p_source and s.op = 't'
       and not exists (select 1 from dw.applied_truncate a
                        where a.source_table = p_source and a.commit_lsn = s.commit_lsn and a.lsn = s.lsn)
     order by s.commit_lsn, s.lsn;

    select (select count(*) from pg_temp._dim_ev) + (select count(*) from pg_temp._dim_trunc) into v_events;

    -- every new event counts toward its transaction's END (the END may come later)
    insert into dw.tx_log as tl (commit_lsn, dim_applied)
    select x.commit_lsn, count(*)
      from (select commit_lsn from pg_temp._dim_ev union all select commit_lsn from pg_temp._dim_trunc) x
     where x.commit_lsn >= coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn)
     group by x.commit_lsn
    on conflict (commit_lsn) do update set dim_applied = tl.dim_applied + excluded.dim_applied;

    -- events at or below an already applied truncate are superseded by it
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_source
     order by a.commit_lsn desc, a.lsn desc limit 1;
    if v_lo_commit is not null then
        delete from pg_temp._dim_tx;
        insert into pg_temp._dim_tx (row_id, commit_lsn, last_lsn)
        select e.row_id, e.commit_lsn, e.lsn as last_lsn from pg_temp._dim_ev e
         where (e.commit_lsn, e.lsn) <= (v_lo_commit, v_lo_lsn);
        perform dw._record_positions(p_source);
        delete from pg_temp._dim_ev e where (e.commit_lsn, e.lsn) <= (v_lo_commit, v_lo_lsn);
    end if;

    for t in select * from pg_temp._dim_trunc order by commit_lsn, lsn loop
        perform dw._dim_segment(p_source, v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, t.commit_lsn, t.lsn);
        -- the truncate: every member live before it is deleted. A member whose
        -- applied position is after it came in later, through a partition
        -- read before the truncate's (a truncate has no key): it stays.
        delete from pg_temp._dim_tx;
        execute format($q$
            insert into pg_temp._dim_tx (row_id, commit_lsn, commit_ts, last_lsn, last_op, merged, rnd)
            select d.%I as row_id, %L::pg_lsn as commit_lsn, %L::timestamptz as commit_ts,
                   %L::pg_lsn as last_lsn, 'd'::char(1) as last_op, null::jsonb as merged, 1 as rnd
              from dw.%I d where d.is_current and not d.is_deleted
               and not exists (select 1 from dw.applied_position p
                                where p.source_table = %L and p.source_id = d.%I
                                  and (p.commit_lsn, p.lsn) > (%L::pg_lsn, %L::pg_lsn))
        $q$, v_nk, t.commit_lsn, t.commit_ts, t.lsn, v_dim, p_source, v_nk, t.commit_lsn, t.lsn);
        perform dw._dim_round(v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, 1);
        perform dw._record_positions(p_source);
        insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
        values (p_source, t.commit_lsn, t.lsn, t.commit_ts) on conflict do nothing;
    end loop;
    perform dw._dim_segment(p_source, v_dim, v_nk, v_sk, v_cols, p_type2, p_type1, null, null);
    return v_events;
end
$$;

-- ---------------------------------------------------------------------------
-- Dimension watermark
-- ---------------------------------------------------------------------------

-- Records END events: how many dimension events each transaction carried, and
-- how many events of the collections apply consumes (transaction consistency).
drop function if exists dw.record_tx_ends();
create or replace function dw.record_tx_ends(p_collections text[]) returns int
language plpgsql as $$
declare
    v_n int;
begin
    insert into dw.tx_log as t (commit_lsn, tx_id, commit_ts, dim_expected, tc_expected)
    select distinct on (s.commit_lsn) s.commit_lsn, s.tx_id, s.commit_ts,
           coalesce((select sum(c.n) from pg_temp._end_counts c
                      where c.commit_lsn = s.commit_lsn and c.collection in ('public.users', 'public.units', 'public.devices')), 0),
           coalesce((select sum(c.n) from pg_temp._end_counts c
                      where c.commit_lsn = s.commit_lsn and c.collection = any (p_collections)), 0)
      from pg_temp.stage_tx s
     where s.commit_lsn >= coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn)
        -- an END announcing no event is recorded even behind the horizon: in Debezium's
        -- form the END apply makes for a snapshot position arrives with the snapshot's
        -- rows, which the transaction topic's later ENDs may have overtaken; such a row
        -- is complete at once and blocks nothing, so recording a repeat costs nothing
        or s.event_count = 0
     order by s.commit_lsn
    on conflict (commit_lsn) do update
       set tx_id = excluded.tx_id, commit_ts = excluded.commit_ts, dim_expected = excluded.dim_expected,
           tc_expected = excluded.tc_expected
     where t.dim_expected is null;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- The END events' counts per collection; collections come as Debezium's array
-- ([{"data_collection": …, "event_count": …}]) or as an object ({"public.users": 2}).
-- One END per transaction: a batch can hold the same END twice (capture re-sends
-- after a restart), and counting both would double what the transaction expects.
create or replace function dw._stage_end_counts() returns void
language plpgsql as $$
begin
    delete from pg_temp._end_counts;
    insert into pg_temp._end_counts (commit_lsn, collection, n)
    with ends as (select distinct on (t.commit_lsn) t.commit_lsn, t.collections
                    from pg_temp.stage_tx t order by t.commit_lsn)
    select s.commit_lsn, e.value->>'data_collection' as collection, (e.value->>'event_count')::int as n
      from ends s
     cross join lateral jsonb_array_elements(case when jsonb_typeof(s.collections) = 'array'
                                                  then s.collections else '[]'::jsonb end) e
    union all
    select s.commit_lsn, e.key, (e.value #>> '{}')::int
      from ends s
     cross join lateral jsonb_each(case when jsonb_typeof(s.collections) = 'object'
                                        then s.collections else '{}'::jsonb end) e;
end
$$;

-- Debezium's record form: a change event names its transaction (tx_id) but not
-- the transaction's commit position, which only the END on the transaction topic
-- carries (its id is <txId>:<commit LSN>). The changes staged without one are
-- joined here to their END, before anything else looks at commit_lsn; those
-- whose END has not arrived wait in dw.unresolved_change and rejoin the batch
-- that brings it. A transaction id is 32 bits and wraps: a change joins the first END of
-- its tx_id after its own lsn. The ENDs are kept (dw.tx_commit) until every event
-- they announced for the collections apply consumes has joined (distinct events:
-- one sent again after a capture restart is not counted twice); a capture that
-- sends a transaction again sends its END again, which records it again.
-- Returns the number of changes still waiting for their END.
create or replace function dw._join_commit_positions(p_collections text[]) returns bigint
language plpgsql as $$
declare
    v_waiting bigint;
begin
    insert into dw.tx_commit (tx_id, commit_lsn, expected)
    select e.tx_id, e.commit_lsn, e.expected
      from (select distinct on (s.commit_lsn) s.tx_id, s.commit_lsn,
                   coalesce((select sum(c.n) from pg_temp._end_counts c
                              where c.commit_lsn = s.commit_lsn and c.collection = any (p_collections)), 0) as expected
              from pg_temp.stage_tx s
             where s.tx_id is not null
             order by s.commit_lsn) e
     where e.expected > 0
    on conflict do nothing;

    -- waiting changes whose END is known now rejoin the batch; the others stay where they are
    with back as (
        delete from dw.unresolved_change u
         where exists (select 1 from dw.tx_commit t where t.tx_id = u.tx_id and t.commit_lsn > u.lsn)
        returning u.*)
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before, kpartition)
    select b.seq, b.source_table, b.op, b.row_id, b.lsn, null, b.tx_id, b.commit_ts, b.after, b.before, b.kpartition
      from back b;

    with joined as (
        update pg_temp.stage_changes s
           set commit_lsn = (select min(t.commit_lsn) from dw.tx_commit t
                              where t.tx_id = s.tx_id and t.commit_lsn > s.lsn)
         where s.commit_lsn is null
        returning s.commit_lsn, s.source_table, s.row_id, s.lsn, s.op)
    insert into dw.tx_commit_event (commit_lsn, source_table, row_id, lsn, op)
    select j.commit_lsn, j.source_table, j.row_id, j.lsn, j.op from joined j where j.commit_lsn is not null
    on conflict do nothing;

    insert into dw.unresolved_change (seq, source_table, op, row_id, lsn, tx_id, commit_ts, after, before, kpartition)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.tx_id, s.commit_ts, s.after, s.before, s.kpartition
      from pg_temp.stage_changes s where s.commit_lsn is null
    on conflict do nothing;
    delete from pg_temp.stage_changes s where s.commit_lsn is null;

    -- complete transactions are forgotten; one whose events never all come (a record
    -- dead-lettered) after a week
    with done as (
        delete from dw.tx_commit t
         where t.expected <= (select count(*) from dw.tx_commit_event e where e.commit_lsn = t.commit_lsn)
            or t.seen_at < now() - interval '7 days'
        returning t.commit_lsn)
    delete from dw.tx_commit_event e using done d where e.commit_lsn = d.commit_lsn;

    select count(*) into v_waiting from dw.unresolved_change;
    return v_waiting;
end
$$;

-- Transaction consistency: moves the staged changes of transactions not yet
-- released into dw.held_change, then releases (back into the staging table)
-- the longest run, in commit order, of transactions whose END has arrived and
-- whose events have all arrived. A transaction is never released before an
-- earlier one, so the warehouse moves from one source commit to a later one.
-- With the option off, whatever is still held is released at once. Returns
-- the number of changes still held.
create or replace function dw.hold_incomplete_transactions(p_enabled boolean) returns bigint
language plpgsql as $$
declare
    v_done pg_lsn;
    v_upto pg_lsn;
    v_held bigint;
begin
    if not p_enabled then
        if exists (select 1 from dw.held_change) then
            insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
            select h.seq, h.source_table, h.op, h.row_id, h.lsn, h.commit_lsn, h.tx_id, h.commit_ts, h.after, h.before
              from dw.held_change h;
            delete from dw.held_change;
        end if;
        delete from dw.tc_horizon;
        return 0;
    end if;
    select h.commit_lsn into v_done from dw.tc_horizon h;
    if v_done is null then
        -- first use: every transaction the dimension watermark has passed was whole
        -- (and those whose END was recorded before the option existed: their counts are unknown)
        v_done := greatest(coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn),
                           coalesce((select max(l.commit_lsn) from dw.tx_log l
                                      where l.dim_expected is not null and l.tc_expected is null), '0/0'::pg_lsn));
        insert into dw.tc_horizon (singleton, commit_lsn) values (true, v_done);
    end if;
    insert into dw.held_change (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.commit_lsn, s.tx_id, s.commit_ts, s.after, s.before
      from pg_temp.stage_changes s
     where s.commit_lsn > v_done
    on conflict on constraint held_change_event do nothing;
    delete from pg_temp.stage_changes s where s.commit_lsn > v_done;   -- below: duplicates, skipped as usual

    -- transactions above the horizon: those with END (tx_log) and those only
    -- seen by their changes (no END yet), in commit order
    select max(x.commit_lsn) into v_upto
      from (select c.commit_lsn,
                   bool_and(c.whole) over (order by c.commit_lsn rows between unbounded preceding and current row) as run
              from (select coalesce(t.commit_lsn, h.commit_lsn) as commit_lsn,
                           coalesce(t.tc_expected is not null and coalesce(h.n, 0) >= t.tc_expected, false) as whole
                      from (select l.commit_lsn, l.tc_expected from dw.tx_log l where l.commit_lsn > v_done) t
                      full join (select d.commit_lsn, count(*) as n from dw.held_change d group by d.commit_lsn) h
                        on h.commit_lsn = t.commit_lsn) c) x
     where x.run;
    if v_upto is not null then
        insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
        select h.seq, h.source_table, h.op, h.row_id, h.lsn, h.commit_lsn, h.tx_id, h.commit_ts, h.after, h.before
          from dw.held_change h where h.commit_lsn <= v_upto;
        delete from dw.held_change h where h.commit_lsn <= v_upto;
        update dw.tc_horizon set commit_lsn = v_upto;
    end if;
    select count(*) into v_held from dw.held_change;
    return v_held;
end
$$;

-- Operator's escape hatch for transaction consistency: releases every held
-- change at or below p_lsn (for example when the END of a transaction will
-- never come). Returns the number released; the next batch applies them.
create or replace function dw.release_held(p_lsn pg_lsn) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    update dw.tx_log set tc_expected = 0 where commit_lsn <= p_lsn;
    insert into dw.tx_log (commit_lsn, dim_expected, tc_expected)
    select distinct h.commit_lsn, null::int, 0 from dw.held_change h where h.commit_lsn <= p_lsn
    on conflict (commit_lsn) do update set tc_expected = 0;
    select count(*) into v_n from dw.held_change where commit_lsn <= p_lsn;
    return v_n;
end
$$;

-- W: the greatest commit with END seen such that every transaction at or below
-- it has its END seen and all its dimension events applied. Null if none.
-- (apply_staged prunes the rows below W; the row at W stays, so W is kept.)
create or replace function dw.dim_watermark() returns pg_lsn
language sql stable as $$
    select max(t.commit_lsn)
      from dw.tx_log t
     where t.dim_expected is not null
       and t.commit_lsn < coalesce((select min(i.commit_lsn) from dw.tx_log i
                                     where i.dim_expected is null or i.dim_applied < i.dim_expected),
                                   'FFFFFFFF/FFFFFFFF'::pg_lsn)
$$;

-- Operator's escape hatch: declares every transaction at or below p_lsn
-- complete (for example when the transaction topic was consumed from a later
-- offset than the change topics, so some ENDs will never come). Facts up to
-- p_lsn are then keyed by the next apply_staged. Returns the new watermark.
create or replace function dw.force_watermark(p_lsn pg_lsn) returns pg_lsn
language plpgsql as $$
begin
    delete from dw.tx_log where commit_lsn <= p_lsn;
    insert into dw.tx_log (commit_lsn, dim_expected, dim_applied) values (p_lsn, 0, 0);
    insert into dw.tx_log_horizon as h (singleton, commit_lsn) values (true, p_lsn)
    on conflict (singleton) do update set commit_lsn = excluded.commit_lsn where h.commit_lsn < excluded.commit_lsn;
    return dw.dim_watermark();
end
$$;

-- ---------------------------------------------------------------------------
-- Truncate barrier
-- ---------------------------------------------------------------------------
--
-- A truncate has no key: it travels on a partition of its own, while the
-- changes of its table committed before it may still be on their way through
-- other partitions (or other appliers). Applied on arrival, it would miss
-- them: they would then arrive below an applied truncate, be taken for
-- superseded and dropped, and the history they wrote when applied in order
-- (dimension versions, ledger originals and their reversals) would be missing.
-- So a truncate of a dimension or fact table waits until every event of its
-- table committed at or before it has arrived, which the END events' counts
-- make decidable; the table's changes committed at or after it wait with it
-- (dimensions in pending_dim, facts in pending_fact). Changes committed after
-- it that were applied before it arrived stay: a truncate removes only what
-- its table held before it in source order.
-- irradiance needs no barrier: its mirror holds no history, so removing the
-- readings whose latest change is before the truncate gives the same result in
-- any order (dw.apply_irradiance).

-- How long a truncate waits for events that its END counted but that never
-- arrive (a record dead-lettered, a topic consumed from a later offset): it is
-- then applied with what has arrived.
create or replace function dw._truncate_wait_limit() returns interval
language sql immutable as $$ select interval '10 minutes' $$;

-- The tables behind the barrier: those whose apply keeps history.
create or replace function dw._barrier_tables() returns text[]
language sql immutable as $$ select array['users', 'units', 'devices', 'energy', 'energy_compensate'] $$;

-- Counts what arrived in this batch: per source transaction and table, the
-- END's announced count and the distinct events arrived. An event sent again
-- (capture re-sends from its last confirmed position after a restart) comes
-- after its first copy in the same partition, at or below the greatest
-- (lsn, row id) counted there, and is not counted twice; snapshot reads share
-- one lsn and are counted by row. Complete transactions are forgotten.
create or replace function dw._count_arrivals() returns void
language plpgsql as $$
declare
    v_horizon pg_lsn;
begin
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    -- what each END announced (an END seen before, below the horizon, is a repeat)
    insert into dw.tx_arrival as a (commit_lsn, source_table, expected, end_seen_at)
    select c.commit_lsn, split_part(c.collection, '.', 2), sum(c.n)::int, now()
      from pg_temp._end_counts c
     where split_part(c.collection, '.', 2) = any (dw._barrier_tables())
       and (v_horizon is null or c.commit_lsn > v_horizon)
     group by 1, 2
    on conflict (commit_lsn, source_table) do update
       set expected = excluded.expected, end_seen_at = excluded.end_seen_at
     where a.expected is null;
    insert into dw.tx_end_horizon as h (singleton, commit_lsn)
    select true, max(s.commit_lsn) from pg_temp.stage_tx s having max(s.commit_lsn) is not null
    on conflict (singleton) do update set commit_lsn = excluded.commit_lsn where h.commit_lsn < excluded.commit_lsn;
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;

    -- (hash aggregates, no sort: this runs on every batch, over every staged
    -- change. max_row is the greatest row id of the group, not of its greatest
    -- lsn: only a multi-row insert shares one lsn, and its new ids are greater
    -- than those of the rows the transaction touched before it.)
    delete from pg_temp._arr;
    insert into pg_temp._arr (commit_lsn, source_table, kpartition, n, max_lsn, max_row)
    select d.commit_lsn, d.source_table, d.kpartition,
           count(*) filter (where d.op = 'r' or p.max_lsn is null or (d.lsn, d.row_id) > (p.max_lsn, p.max_row)),
           max(d.lsn), max(d.row_id)
      from (select distinct c.commit_lsn, c.source_table, coalesce(c.kpartition, -1) as kpartition, c.lsn,
                   coalesce(c.row_id, -1) as row_id, c.op
              from pg_temp.stage_changes c
             where c.source_table = any (dw._barrier_tables())
            union
            select f.commit_lsn, f.source_table, coalesce(f.kpartition, -1), f.lsn, f.row_id, f.op
              from pg_temp.stage_facts f) d
      left join dw.tx_arrival_partition p
             on p.commit_lsn = d.commit_lsn and p.source_table = d.source_table and p.kpartition = d.kpartition
     group by d.commit_lsn, d.source_table, d.kpartition;

    insert into dw.tx_arrival_partition as p (commit_lsn, source_table, kpartition, max_lsn, max_row)
    select a.commit_lsn, a.source_table, a.kpartition, a.max_lsn, a.max_row from pg_temp._arr a
    on conflict (commit_lsn, source_table, kpartition) do update
       set max_lsn = excluded.max_lsn, max_row = excluded.max_row
     where (excluded.max_lsn, excluded.max_row) > (p.max_lsn, p.max_row);
    insert into dw.tx_arrival as t (commit_lsn, source_table, arrived)
    select a.commit_lsn, a.source_table, sum(a.n) from pg_temp._arr a group by 1, 2 having sum(a.n) > 0
    on conflict (commit_lsn, source_table) do update set arrived = t.arrived + excluded.arrived;

    -- complete, and repeats of transactions forgotten before (no END above the horizon)
    with done as (
        delete from dw.tx_arrival t
         where (t.commit_lsn, t.source_table) in (select a.commit_lsn, a.source_table from pg_temp._arr a
                                                   union
                                                   select c.commit_lsn, split_part(c.collection, '.', 2)
                                                     from pg_temp._end_counts c)
           and ((t.expected is not null and t.arrived >= t.expected)
                or (t.expected is null and t.commit_lsn <= v_horizon))
        returning t.commit_lsn, t.source_table)
    delete from dw.tx_arrival_partition p using done d
     where p.commit_lsn = d.commit_lsn and p.source_table = d.source_table;
end
$$;

-- The commit of the first truncate of p_table, not yet applied, that must
-- still wait: its own END has not been seen, or an event of p_table committed
-- at or before it has not arrived (given up after dw._truncate_wait_limit()).
-- Null when no truncate waits. Truncates are looked for among the staged
-- changes and those waiting (pending_dim, pending_fact: a truncate is their
-- only row without a row id, which their unique index finds).
create or replace function dw._unripe_truncate(p_table text) returns pg_lsn
language plpgsql as $$
declare
    v_horizon pg_lsn;
    v_first pg_lsn;
begin
    if not exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't')
       and not exists (select 1 from dw.pending_dim p where p.source_table = p_table and p.row_id is null)
       and not exists (select 1 from dw.pending_fact p where p.source_table = p_table and p.row_id is null) then
        return null;
    end if;
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    select min(t.commit_lsn) into v_first
      from (select s.commit_lsn, s.lsn from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't'
            union all
            select p.commit_lsn, p.lsn from dw.pending_dim p where p.source_table = p_table and p.row_id is null
            union all
            select p.commit_lsn, p.lsn from dw.pending_fact p where p.source_table = p_table and p.row_id is null) t
     where not exists (select 1 from dw.applied_truncate a
                        where a.source_table = p_table and a.commit_lsn = t.commit_lsn and a.lsn = t.lsn)
       and (v_horizon is null or v_horizon < t.commit_lsn
            or exists (select 1 from dw.tx_arrival x
                        where x.source_table = p_table and x.commit_lsn <= t.commit_lsn
                          and x.expected is not null and x.arrived < x.expected
                          and x.end_seen_at > now() - dw._truncate_wait_limit()));
    return v_first;
end
$$;

-- The commit of the first source transaction with a change of dimension
-- table p_table (staged or waiting in pending_dim) that is not yet whole:
-- its END has not been seen, or some of its events of p_table have not
-- arrived (given up after dw._truncate_wait_limit()). Null when all are whole.
-- Snapshot reads are left out: one read per row, no transaction to complete
-- (and an initial snapshot may come without an END).
create or replace function dw._first_incomplete_transaction(p_table text) returns pg_lsn
language plpgsql as $$
declare
    v_horizon pg_lsn;
    v_first pg_lsn;
begin
    select h.commit_lsn into v_horizon from dw.tx_end_horizon h;
    select min(e.commit_lsn) into v_first
      from (select distinct s.commit_lsn from pg_temp.stage_changes s
             where s.source_table = p_table and s.op <> 'r'
            union
            select distinct p.commit_lsn from dw.pending_dim p
             where p.source_table = p_table and p.op <> 'r') e
     where v_horizon is null or e.commit_lsn > v_horizon
        or exists (select 1 from dw.tx_arrival a
                    where a.commit_lsn = e.commit_lsn and a.source_table = p_table
                      and a.expected is not null and a.arrived < a.expected
                      and a.end_seen_at > now() - dw._truncate_wait_limit());
    return v_first;
end
$$;

-- The commit up to which fact changes of p_table may be applied: the
-- watermark p_w, or just below the first truncate of the table that must
-- still wait, whichever is lower.
create or replace function dw._fact_cutoff(p_table text, p_w pg_lsn) returns pg_lsn
language plpgsql as $$
declare
    v_t pg_lsn := dw._unripe_truncate(p_table);
begin
    return case when v_t is null or v_t > p_w then p_w else v_t - 1::numeric end;
end
$$;

-- ---------------------------------------------------------------------------
-- Climate
-- ---------------------------------------------------------------------------

-- Applies staged irradiance changes to dw.irradiance_mirror and recomputes the
-- touched (unit, local day) rows of dw.dim_day_climate. The mirror row holds
-- its last applied position (a deleted reading stays as a tombstone that keeps
-- its last unit and day), so duplicates are skipped without a separate
-- position table. Returns the number of changes applied.
--
-- The result must not depend on how the changes were cut into batches, nor on
-- the order in which partitions reach the warehouse (see docs/architecture.md,
-- "The daily climate"):
--   * a truncate removes exactly the readings whose latest applied change is
--     before it in source order; a reading whose later change reached the
--     warehouse first (through another partition: a truncate has no key, so it
--     travels on a partition of its own) stays;
--   * every unit-day that any reading of the batch passed through gets its row,
--     not only the days of each reading's last state: a reading inserted and
--     deleted (or moved on, or truncated) inside one batch leaves its unit-day
--     with sample_count 0, as it would have with one change per batch.
create or replace function dw.apply_irradiance(p_tz text, p_minutes numeric) returns int
language plpgsql as $$
declare
    v_ph constant text := '__debezium_unavailable_value';
    v_new_truncates int;
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn; v_lo_ts timestamptz;
    v_n int;
begin
    drop table if exists _ir_touch;
    create temp table _ir_touch (unit_id bigint, day date, lsn pg_lsn, commit_ts timestamptz) on commit drop;

    -- every reading image of the batch touches its unit-day, whether it is
    -- applied, superseded by a truncate or a repeat (a repeat touches a row
    -- that exists already: recomputing it changes nothing)
    insert into _ir_touch
    select distinct on (u, d) u, d, s.lsn, s.commit_ts
      from pg_temp.stage_changes s
     cross join lateral (select case when s.after->>'unit_id' <> v_ph then (s.after->>'unit_id')::bigint end as u,
                                case when s.after->>'measured_at' <> v_ph
                                     then ((s.after->>'measured_at')::timestamptz at time zone p_tz)::date end as d) x
     where s.source_table = 'irradiance' and s.op in ('c', 'u', 'r') and s.after is not null
       and x.u is not null and x.d is not null
     order by u, d, s.commit_lsn desc, s.lsn desc;

    -- new truncates are recorded; then the latest removes the readings before it
    insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
    select distinct 'irradiance', s.commit_lsn, s.lsn, s.commit_ts from pg_temp.stage_changes s
     where s.source_table = 'irradiance' and s.op = 't'
    on conflict do nothing;
    get diagnostics v_new_truncates = row_count;
    select a.commit_lsn, a.lsn, a.commit_ts into v_lo_commit, v_lo_lsn, v_lo_ts
      from dw.applied_truncate a where a.source_table = 'irradiance'
     order by a.commit_lsn desc, a.lsn desc limit 1;
    if v_new_truncates > 0 then
        perform dw._quarantine_truncated('irradiance', v_lo_commit, v_lo_lsn);
        -- the latest truncate removes every reading whose latest change is
        -- before it (an earlier truncate arriving late removes nothing more)
        with gone as (
            delete from dw.irradiance_mirror m
             where (m.commit_lsn, m.source_lsn) < (v_lo_commit, v_lo_lsn)
            returning m.unit_id, m.local_day, m.deleted)
        insert into _ir_touch
        select g.unit_id, g.local_day, v_lo_lsn, v_lo_ts from gone g
         where not g.deleted and g.unit_id is not null and g.local_day is not null
         group by 1, 2;
    end if;

    -- the last new change per reading wins; a delete keeps the reading's last
    -- values (the batch's last image of it, else the mirror's) so that its
    -- tombstone knows its unit-day; placeholders keep the held value
    drop table if exists _ir;
    create temp table _ir on commit drop as
    with ev as (
        select s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after, s.seq
          from pg_temp.stage_changes s
         where s.source_table = 'irradiance' and s.op in ('c', 'u', 'd', 'r') and s.row_id is not null
           and (v_lo_commit is null or (s.commit_lsn, s.lsn) > (v_lo_commit, v_lo_lsn))),
    last_change as (
        select distinct on (e.row_id) e.* from ev e order by e.row_id, e.commit_lsn desc, e.lsn desc, e.seq desc),
    last_image as (
        select distinct on (e.row_id) e.row_id, e.commit_lsn, e.lsn, e.after from ev e
         where e.op <> 'd' order by e.row_id, e.commit_lsn desc, e.lsn desc, e.seq desc)
    select x.*, (x.measured_at at time zone p_tz)::date as local_day, null::text[] as quality_flags
      from (select i.row_id as id, i.op, i.commit_lsn, i.lsn, i.commit_ts,
                   m.id is not null as had_row, m.m_ctid,
                   case when m.deleted then null else m.unit_id end as o_unit_id,
                   case when m.deleted then null else m.local_day end as o_day,
                   case when img.j is null or img.j->>'unit_id' = v_ph then m.unit_id
                        else (img.j->>'unit_id')::bigint end as unit_id,
                   case when img.j is null or img.j->>'device_id' = v_ph then m.device_id
                        else (img.j->>'device_id')::bigint end as device_id,
                   case when img.j is null or img.j->>'measured_at' = v_ph then m.measured_at
                        else (img.j->>'measured_at')::timestamptz end as measured_at,
                   case when img.j is null or img.j->>'irradiance_wm2' = v_ph then m.irradiance_wm2
                        else (img.j->>'irradiance_wm2')::numeric end as irradiance_wm2,
                   case when img.j is null or img.j->>'module_temp_c' = v_ph then m.module_temp_c
                        else (img.j->>'module_temp_c')::numeric end as module_temp_c,
                   case when img.j is null or img.j->>'ambient_temp_c' = v_ph then m.ambient_temp_c
                        else (img.j->>'ambient_temp_c')::numeric end as ambient_temp_c
              from last_change i
              left join last_image v on v.row_id = i.row_id
              left join lateral (select m.ctid as m_ctid, m.* from dw.irradiance_mirror m
                                  where m.id = i.row_id offset 0) m on true
             cross join lateral (select case when i.op <> 'd' then i.after
                                             when m.id is null or (v.commit_lsn, v.lsn) > (m.commit_lsn, m.source_lsn)
                                             then v.after end as j) img
             where m.id is null or (i.commit_lsn, i.lsn) > (m.commit_lsn, m.source_lsn)) x;
    get diagnostics v_n = row_count;
    perform dw._quality_check('irradiance', '_ir');

    -- the days the readings leave (their last state is in _ir_touch already)
    insert into _ir_touch
    select o_unit_id, o_day, lsn, commit_ts from pg_temp._ir where o_unit_id is not null;

    update dw.irradiance_mirror m
       set unit_id = i.unit_id, device_id = i.device_id, measured_at = i.measured_at, local_day = i.local_day,
           irradiance_wm2 = i.irradiance_wm2, module_temp_c = i.module_temp_c, ambient_temp_c = i.ambient_temp_c,
           deleted = (i.op = 'd'), commit_lsn = i.commit_lsn, source_lsn = i.lsn, source_commit_ts = i.commit_ts,
           loaded_at = now(), quality_flags = i.quality_flags
      from pg_temp._ir i
     where i.had_row and m.ctid = i.m_ctid;   -- a TID scan: the row read into _ir above
    insert into dw.irradiance_mirror (id, unit_id, device_id, measured_at, local_day, irradiance_wm2, module_temp_c,
                                      ambient_temp_c, deleted, commit_lsn, source_lsn, source_commit_ts, loaded_at,
                                      quality_flags)
    select i.id, i.unit_id, i.device_id, i.measured_at, i.local_day, i.irradiance_wm2, i.module_temp_c,
           i.ambient_temp_c, i.op = 'd', i.commit_lsn, i.lsn, i.commit_ts, now(), i.quality_flags
      from pg_temp._ir i
     where not i.had_row;
    perform dw._quarantine_supersede('irradiance', 'select id, commit_lsn, lsn from pg_temp._ir');

    -- recompute every touched unit-day once; lineage only moves forward (a
    -- late truncate or a repeat may touch a row with an older position)
    insert into dw.dim_day_climate as c (unit_id, day, sample_count, sum_irradiance_wm2, avg_irradiance_wm2,
                                         peak_irradiance_wm2, irradiation_kwh_m2, min_ambient_temp_c,
                                         max_ambient_temp_c, avg_module_temp_c, source_lsn, source_commit_ts,
                                         loaded_at)
    select t.unit_id, t.day, a.n, a.s, a.a, a.p, a.s * p_minutes / 60 / 1000, a.amin, a.amax, a.mavg,
           t.lsn, t.commit_ts, now()
      from (select distinct on (unit_id, day) unit_id, day, lsn, commit_ts
              from pg_temp._ir_touch where unit_id is not null and day is not null
             order by unit_id, day, lsn desc) t
     cross join lateral (select count(*)::int as n, sum(m.irradiance_wm2) as s, avg(m.irradiance_wm2) as a,
                                max(m.irradiance_wm2) as p, min(m.ambient_temp_c) as amin,
                                max(m.ambient_temp_c) as amax, avg(m.module_temp_c) as mavg
                           from dw.irradiance_mirror m
                          where m.unit_id = t.unit_id and m.local_day = t.day and not m.deleted) a
    on conflict (unit_id, day) do update
       set sample_count = excluded.sample_count, sum_irradiance_wm2 = excluded.sum_irradiance_wm2,
           avg_irradiance_wm2 = excluded.avg_irradiance_wm2, peak_irradiance_wm2 = excluded.peak_irradiance_wm2,
           irradiation_kwh_m2 = excluded.irradiation_kwh_m2, min_ambient_temp_c = excluded.min_ambient_temp_c,
           max_ambient_temp_c = excluded.max_ambient_temp_c, avg_module_temp_c = excluded.avg_module_temp_c,
           source_lsn = greatest(c.source_lsn, excluded.source_lsn),
           source_commit_ts = case when c.source_lsn >= excluded.source_lsn then c.source_commit_ts
                                   else excluded.source_commit_ts end,
           loaded_at = excluded.loaded_at
     where (c.sample_count, c.sum_irradiance_wm2, c.peak_irradiance_wm2, c.min_ambient_temp_c, c.max_ambient_temp_c,
            c.avg_module_temp_c, c.avg_irradiance_wm2, c.source_lsn)
           is distinct from
           (excluded.sample_count, excluded.sum_irradiance_wm2, excluded.peak_irradiance_wm2, excluded.min_ambient_temp_c,
            excluded.max_ambient_temp_c, excluded.avg_module_temp_c, excluded.avg_irradiance_wm2,
            greatest(c.source_lsn, excluded.source_lsn));
    return v_n;
end
$$;

-- ---------------------------------------------------------------------------
-- Data quality (docs/operations.md "Data quality")
-- ---------------------------------------------------------------------------

-- Evaluates the batch's quality rules (apply_staged puts them in the setting
-- helio.quality, transaction-local) over the rows about to be written: the
-- ledger entries of pg_temp._fe (p_target '_fe', fact tables) or the readings
-- of pg_temp._ir (p_target '_ir', irradiance). One statement per call, built
-- from the rules: a scan of the batch's rows, and work only for those failing.
-- A rule of severity flag writes its name into the row's quality_flags; warn
-- only counts; quarantine keeps the change out: it goes to dw.quarantine and
-- every entry of its row leaves the target (the row ids in pg_temp._qrows), so
-- that the row's state stays what the ledger holds. With helio.quality's
-- `release` (dw.quality_release) quarantine rules act as flags. Counts per table
-- and rule accumulate in pg_temp._qcount.
-- Reversals and deletes are not checked (they carry no new values). Values
-- checked are the row's new values: a correction's full values, not its deltas.
-- future_skew compares with the change's commit time, not now(), so that a
-- replay or a rebuild from the topics reaches the same results.
create or replace function dw._quality_check(p_table text, p_target text) returns void
language plpgsql as $$
declare
    v_q jsonb := nullif(current_setting('helio.quality', true), '')::jsonb;
    r jsonb;
    v_col text;
    v_type text;
    v_cond text;
    v_flags text[] := '{}';
    v_warns text[] := '{}';
    v_quars text[] := '{}';
    v_any text[] := '{}';
    v_join text := '';
    v_minutes numeric;
begin
    delete from pg_temp._qrows;
    if v_q is null or jsonb_array_length(v_q->'rules') = 0 then
        return;
    end if;
    v_minutes := coalesce((v_q->>'sample_minutes')::numeric, 15);
    for r in select x from jsonb_array_elements(v_q->'rules') x where x->>'table' = p_table loop
        -- the column's new value in the target, and its type
        select c.expr, c.typ into v_col, v_type
          from (values
            ('_fe', 'device_id', 'f.device_id', 'bigint'),
            ('_fe', 'unit_id', 'f.unit_id', 'bigint'),
            ('_fe', 'measured_at', 'f.measured_at', 'timestamptz'),
            ('_fe', 'reference_month', 'f.day', 'date'),
            ('_fe', 'energy_kwh', 'case when f.entry_kind = ''correction'' then f.fv_generated_kwh else f.generated_kwh end', 'numeric'),
            ('_fe', 'injected_kwh', 'case when f.entry_kind = ''correction'' then f.fv_injected_kwh else f.injected_kwh end', 'numeric'),
            ('_fe', 'consumed_kwh', 'case when f.entry_kind = ''correction'' then f.fv_consumed_kwh else f.consumed_kwh end', 'numeric'),
            ('_fe', 'compensated_kwh', 'case when f.entry_kind = ''correction'' then f.fv_compensated_kwh else f.compensated_kwh end', 'numeric'),
            ('_fe', 'power_kw', 'f.power_kw', 'numeric'),
            ('_fe', 'credit_balance_kwh', 'f.credit_balance_kwh', 'numeric'),
            ('_ir', 'unit_id', 'f.unit_id', 'bigint'),
            ('_ir', 'device_id', 'f.device_id', 'bigint'),
            ('_ir', 'measured_at', 'f.measured_at', 'timestamptz'),
            ('_ir', 'irradiance_wm2', 'f.irradiance_wm2', 'numeric'),
            ('_ir', 'module_temp_c', 'f.module_temp_c', 'numeric'),
            ('_ir', 'ambient_temp_c', 'f.ambient_temp_c', 'numeric')) c(target, col, expr, typ)
         where c.target = p_target and c.col = r->>'column';
        if v_col is null then
            raise exception 'helio: quality rule % names % of %, which cannot be checked', r->>'name', r->>'column', p_table
                using errcode = '22023';
        end if;
        v_cond := case r->>'kind'
            when 'not_null' then format('%s is null', v_col)
            when 'range' then concat_ws(' or ',
                case when r->>'min' is not null then format('%s < %L::%s', v_col, r->>'min', v_type) end,
                case when r->>'max' is not null then format('%s > %L::%s', v_col, r->>'max', v_type) end)
            when 'allowed' then format('not (%s = any (%L::%s[]))', v_col,
                                       array(select jsonb_array_elements_text(r->'values')), v_type)
            when 'future_skew' then format('%s > f.commit_ts + make_interval(secs => %L::double precision)',
                                           v_col, r->>'seconds')
            -- energy in an interval ≤ the device's nominal power (its version valid at the
            -- reading's time) × the interval × a tolerance
            when 'nominal_power' then format('%s > q.nominal_power_kw * %s / 60.0 * %L::numeric',
                                             v_col, v_minutes, r->>'tolerance')
            -- compensated ≤ injected + credit
            when 'within_credit' then format('%s > coalesce(case when f.entry_kind = ''correction'' then f.fv_injected_kwh else f.injected_kwh end, 0) + coalesce(f.credit_balance_kwh, 0)', v_col)
        end;
        if v_cond is null or v_cond = '' then
            raise exception 'helio: quality rule % has an unknown kind or no bounds', r->>'name' using errcode = '22023';
        end if;
        if r->>'kind' = 'nominal_power' and v_join = '' then
            v_join := ' left join (select d.device_id, d.nominal_power_kw,'
                   || ' case when d.version = 1 then ''-infinity''::timestamptz else d.valid_from end as vf,'
                   || ' coalesce(d.valid_to, ''infinity'') as vt'
                   || ' from dw.dim_devices d where d.nominal_power_kw is not null'
                   -- (the batch's devices: _dv, made by dw._fact_key_and_write, lists each once)
                   || ' and d.device_id in (select distinct x.device_id from pg_temp._dv x)) q'
                   || ' on q.device_id = f.device_id and f.measured_at >= q.vf and f.measured_at < q.vt';
        end if;
        v_cond := format('coalesce(%s, false)', v_cond);
        v_any := v_any || v_cond;
        if r->>'severity' = 'warn' then
            v_warns := v_warns || format('case when %s then %L end', v_cond, r->>'name');
        elsif r->>'severity' = 'quarantine' and not coalesce((v_q->>'release')::boolean, false) then
            v_quars := v_quars || format('case when %s then %L end', v_cond, r->>'name');
        else
            v_flags := v_flags || format('case when %s then %L end', v_cond, r->>'name');
        end if;
    end loop;
    if cardinality(v_any) = 0 then
        return;
    end if;
    delete from pg_temp._qhit;
    execute format('insert into pg_temp._qhit (target_ctid, flags, warns, quars)'
                   ' select f.ctid, array_remove(array[%s]::text[], null), array_remove(array[%s]::text[], null),'
                   ' array_remove(array[%s]::text[], null)'
                   ' from pg_temp.%I f%s where %s and (%s)',
                   coalesce(array_to_string(v_flags, ', '), ''), coalesce(array_to_string(v_warns, ', '), ''),
                   coalesce(array_to_string(v_quars, ', '), ''),
                   p_target, v_join,
                   case p_target when '_fe' then 'f.ord = 2' else 'f.op <> ''d''' end,
                   array_to_string(v_any, ' or '));
    -- (first: the ctids of _qhit are those of the rows before the update below)
    if cardinality(v_quars) > 0 then
        perform dw._quarantine(p_table, p_target);
    end if;
    execute format('update pg_temp.%I f set quality_flags = h.flags from pg_temp._qhit h'
                   ' where f.ctid = h.target_ctid and cardinality(h.flags) > 0', p_target);
    insert into pg_temp._qcount (source_table, rule, n)
    select p_table, u.rule, count(*) from pg_temp._qhit h, unnest(h.flags || h.warns || h.quars) u(rule)
     group by u.rule;
end
$$;

-- Moves the changes of pg_temp._qhit that failed a quarantine rule out of the
-- target (_fe: every entry of their row; _ir: the reading) into dw.quarantine,
-- with the values apply would have written (what dw.quality_release stages
-- again). Idempotent: a replay finds the entry there already.
create or replace function dw._quarantine(p_table text, p_target text) returns void
language plpgsql as $$   -- (plpgsql: the temp tables do not exist when this is created)
begin
    if p_target = '_fe' then
        insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules, flags)
        select p_table, f.row_id, f.commit_lsn, f.lsn, case f.entry_kind when 'correction' then 'u' else 'c' end,
               f.commit_ts,
               case when p_table = 'energy' then
                   jsonb_build_object('id', f.row_id, 'device_id', f.device_id, 'measured_at', f.st_measured_at,
                       'energy_kwh', case when f.entry_kind = 'correction' then f.fv_generated_kwh else f.generated_kwh end,
                       'power_kw', f.power_kw)
               else
                   jsonb_build_object('id', f.row_id, 'unit_id', f.unit_id, 'reference_month', f.st_reference_month,
                       'injected_kwh', case when f.entry_kind = 'correction' then f.fv_injected_kwh else f.injected_kwh end,
                       'consumed_kwh', case when f.entry_kind = 'correction' then f.fv_consumed_kwh else f.consumed_kwh end,
                       'compensated_kwh', case when f.entry_kind = 'correction' then f.fv_compensated_kwh else f.compensated_kwh end,
                       'credit_balance_kwh', f.credit_balance_kwh)
               end,
               h.quars, nullif(h.flags, '{}')
          from pg_temp._qhit h join pg_temp._fe f on f.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict on constraint quarantine_change do nothing;
        insert into pg_temp._qrows (row_id)
        select distinct f.row_id from pg_temp._qhit h join pg_temp._fe f on f.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict do nothing;
        delete from pg_temp._fe f where f.row_id in (select q.row_id from pg_temp._qrows q);
    else
        insert into dw.quarantine (source_table, row_id, commit_lsn, lsn, op, commit_ts, after, rules, flags)
        select p_table, i.id, i.commit_lsn, i.lsn, i.op, i.commit_ts,
               jsonb_build_object('id', i.id, 'unit_id', i.unit_id, 'device_id', i.device_id,
                                  'measured_at', i.measured_at, 'irradiance_wm2', i.irradiance_wm2,
                                  'module_temp_c', i.module_temp_c, 'ambient_temp_c', i.ambient_temp_c),
               h.quars, nullif(h.flags, '{}')
          from pg_temp._qhit h join pg_temp._ir i on i.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict on constraint quarantine_change do nothing;
        insert into pg_temp._qrows (row_id)
        select distinct i.id from pg_temp._qhit h join pg_temp._ir i on i.ctid = h.target_ctid
         where cardinality(h.quars) > 0
        on conflict do nothing;
        delete from pg_temp._ir i where i.id in (select q.row_id from pg_temp._qrows q);
    end if;
    -- a row's latest entry is the one held
    update dw.quarantine q set status = 'superseded', decided_at = now()
     where q.source_table = p_table and q.status = 'held' and q.error is null
       and q.row_id in (select r.row_id from pg_temp._qrows r)
       and exists (select 1 from dw.quarantine y
                    where y.source_table = p_table and y.status = 'held' and y.row_id = q.row_id
                      and (y.commit_lsn, y.lsn) > (q.commit_lsn, q.lsn));
end
$$;

-- A truncate supersedes every held quarantine entry of its table before it.
create or replace function dw._quarantine_truncated(p_table text, p_commit pg_lsn, p_lsn pg_lsn) returns void
language sql as $$
    update dw.quarantine q set status = 'superseded', decided_at = now()
     where q.source_table = p_table and q.status = 'held' and (q.commit_lsn, q.lsn) < (p_commit, p_lsn)
$$;

-- Marks superseded the held quarantine entries of the rows whose later change
-- (p_rows: row id, commit position, position) this round applied.
create or replace function dw._quarantine_supersede(p_table text, p_rows text) returns void
language plpgsql as $$
begin
    if not exists (select 1 from dw.quarantine q where q.source_table = p_table and q.status = 'held' and q.error is null) then
        return;
    end if;
    execute format('update dw.quarantine q set status = ''superseded'', decided_at = now()'
                   ' from (%s) x(row_id, commit_lsn, lsn)'
                   ' where q.source_table = $1 and q.status = ''held'' and q.error is null and q.row_id = x.row_id'
                   ' and (q.commit_lsn, q.lsn) < (x.commit_lsn, x.lsn)'
                   ' and not exists (select 1 from pg_temp._qrows r where r.row_id = x.row_id)', p_rows)
    using p_table;
end
$$;

-- Operator's release of held quarantine entries (helio quality release): the
-- entries of p_table (all tables if null) that failed p_rule (any rule if
-- null), committed at or after p_since, with the other held entries of their
-- rows, are applied as they would have been, their quarantine rules written as
-- flags, and marked released by p_by. A rule's held entry is its row's latest,
-- with no later change applied; an apply error's entry and those behind it are
-- the row's changes from there on: each applies in order. Idempotent: released entries are no longer
-- held. Returns {released, apply}.
create or replace function dw.quality_release(p_table text, p_rule text, p_since timestamptz, p_config jsonb,
                                              p_by text) returns jsonb
language plpgsql as $$
declare
    v_n int;
    v_stats jsonb;
begin
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform dw.create_staging();
    drop table if exists _release;
    -- (a row's held changes go together, in source order: those behind an apply
    -- error would otherwise wait behind what is being released)
    create temp table _release on commit drop as
    select q.source_table, q.row_id, q.commit_lsn, q.lsn, q.commit_ts, q.after, q.before, q.tx_id,
           case when q.error is null then 'u' else q.op end as op
      from dw.quarantine q
     where q.status = 'held'
       and (q.source_table, q.row_id) in (
           select x.source_table, x.row_id from dw.quarantine x
            where x.status = 'held'
              and (p_table is null or x.source_table = p_table)
              and (p_rule is null or p_rule = any (x.rules))
              and (p_since is null or x.commit_ts >= p_since));
    update dw.quarantine q set status = 'released', decided_at = now(), decided_by = p_by
      from _release r
     where q.source_table = r.source_table and q.row_id = r.row_id and q.commit_lsn = r.commit_lsn
       and q.lsn = r.lsn and q.status = 'held';
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select row_number() over (order by r.commit_lsn, r.lsn), r.source_table, r.op, nullif(r.row_id, -1), r.lsn,
           r.commit_lsn, r.tx_id, r.commit_ts, nullif(r.after, '{}'::jsonb), r.before
      from _release r;
    get diagnostics v_n = row_count;
    if v_n > 0 then
        -- (transaction consistency and Debezium's form: these changes' transactions
        -- were complete and positioned when they were quarantined)
        -- (an apply error that still fails fails the release: nothing is marked released)
        v_stats := dw.apply_staged(coalesce(p_config, '{}'::jsonb)
                                   || '{"quality_release": true, "transaction_consistency": false, "debezium_form": false}');
    end if;
    return jsonb_build_object('released', v_n, 'apply', v_stats);
end
$$;

-- Operator's drop of held quarantine entries (helio quality drop): same
-- selection as dw.quality_release; the changes are never applied. Idempotent.
create or replace function dw.quality_drop(p_table text, p_rule text, p_since timestamptz, p_by text) returns int
language plpgsql as $$
declare
    v_n int;
begin
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    update dw.quarantine q set status = 'dropped', decided_at = now(), decided_by = p_by
     where q.status = 'held'
       and (p_table is null or q.source_table = p_table)
       and (p_rule is null or p_rule = any (q.rules))
       and (p_since is null or q.commit_ts >= p_since);
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- This batch's violations per table and rule, for apply_staged's stats.
create or replace function dw._quality_counts() returns jsonb
language plpgsql as $$   -- (plpgsql: the temp table does not exist when this is created)
begin
    return (select coalesce(jsonb_agg(jsonb_build_object('table', c.source_table, 'rule', c.rule, 'n', c.n)
                                      order by c.source_table, c.rule), '[]'::jsonb)
              from (select source_table, rule, sum(n)::bigint as n from pg_temp._qcount group by 1, 2) c);
end
$$;

-- ---------------------------------------------------------------------------
-- Facts
-- ---------------------------------------------------------------------------

-- Keys the ledger entries of pg_temp._fe (made by dw._fact_round or
-- dw._fact_typed_round) and writes them to fact_energy: inferred members for
-- what was never seen, the dimension versions valid at each entry's commit,
-- the climate row of its unit and day. Returns the entries written.
create or replace function dw._fact_key_and_write(p_table text) returns int
language plpgsql as $$
declare
    v_n int;
    v_lo timestamptz;
    v_hi timestamptz;
begin
    -- Only versions valid at some moment of the batch's commit span can key one
    -- of its entries (valid_from <= hi and valid_to > lo): with dimension churn
    -- a member has many versions, and the hash joins below would otherwise
    -- test each fact against all of them.
    select min(e.commit_ts), max(e.commit_ts) into v_lo, v_hi from pg_temp._fe e;
    -- devices: inferred members, then the versions of the devices involved
    -- (grouped first: one probe per device, not one per fact)
    insert into dw.dim_devices (device_id, valid_from, is_current, version, is_inferred, source_commit_ts)
    select e.device_id, min(e.commit_ts), true, 1, true, min(e.commit_ts) from pg_temp._fe e
     where e.device_id is not null
     group by e.device_id
    having not exists (select 1 from dw.dim_devices d where d.device_id = e.device_id);
    delete from pg_temp._dv;
    insert into pg_temp._dv
    select d.device_id, d.device_key, d.unit_id,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_devices d
     where d.device_id in (select distinct e.device_id from pg_temp._fe e where e.device_id is not null)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._dv;

    -- units: inferred members (only looked for when a candidate is missing),
    -- then every version of the units involved
    delete from pg_temp._uids;
    insert into pg_temp._uids
    select distinct x.unit_id from (select d.unit_id from pg_temp._dv d
                                    union all select e.unit_id from pg_temp._fe e) x
     where x.unit_id is not null;
    if exists (select 1 from pg_temp._uids k where not exists (select 1 from dw.dim_units d where d.unit_id = k.unit_id)) then
        insert into dw.dim_units (unit_id, valid_from, is_current, version, is_inferred, source_commit_ts)
        select x.unit_id, min(x.commit_ts), true, 1, true, min(x.commit_ts)
          from (select coalesce(d.unit_id, e.unit_id) as unit_id, e.commit_ts
                  from pg_temp._fe e
                  left join pg_temp._dv d on d.device_id = e.device_id
                                         and e.commit_ts >= d.vf and e.commit_ts < d.vt) x
         where x.unit_id is not null
           and not exists (select 1 from dw.dim_units d where d.unit_id = x.unit_id)
         group by x.unit_id;
    end if;
    delete from pg_temp._uv;
    insert into pg_temp._uv
    select d.unit_id, d.unit_key, d.user_id,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_units d
     where d.unit_id in (select unit_id from pg_temp._uids)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._uv;

    -- users: owners of those unit versions
    if exists (select 1 from pg_temp._uv u
                where u.user_id is not null
                  and not exists (select 1 from dw.dim_users d where d.user_id = u.user_id)) then
        insert into dw.dim_users (user_id, valid_from, is_current, version, is_inferred, source_commit_ts)
        select u.user_id, min(e.commit_ts), true, 1, true, min(e.commit_ts)
          from pg_temp._fe e
          left join pg_temp._dv d on d.device_id = e.device_id and e.commit_ts >= d.vf and e.commit_ts < d.vt
          join pg_temp._uv u on u.unit_id = coalesce(d.unit_id, e.unit_id)
                            and e.commit_ts >= u.vf and e.commit_ts < u.vt
         where u.user_id is not null
           and not exists (select 1 from dw.dim_users x where x.user_id = u.user_id)
         group by u.user_id;
    end if;
    delete from pg_temp._usv;
    insert into pg_temp._usv
    select d.user_id, d.user_key,
           case when d.version = 1 then '-infinity' else d.valid_from end as vf,
           coalesce(d.valid_to, 'infinity') as vt
      from dw.dim_users d
     where d.user_id in (select distinct user_id from pg_temp._uv where user_id is not null)
       and (d.version = 1 or d.valid_from <= v_hi) and coalesce(d.valid_to, 'infinity') > v_lo;
    analyze pg_temp._usv;

    -- climate rows of the (unit, day)s involved, created empty when missing
    delete from pg_temp._dc;
    insert into pg_temp._dc
    select coalesce(d.unit_id, e.unit_id) as unit_id, e.day, min(e.lsn) as lsn, min(e.commit_ts) as commit_ts
      from pg_temp._fe e
      left join pg_temp._dv d on d.device_id = e.device_id and e.commit_ts >= d.vf and e.commit_ts < d.vt
     where coalesce(d.unit_id, e.unit_id) is not null and e.day is not null
     group by 1, 2;
    -- lineage of an empty row: the first fact change that needed it
    insert into dw.dim_day_climate (unit_id, day, sample_count, source_lsn, source_commit_ts)
    select k.unit_id, k.day, 0, k.lsn, k.commit_ts from pg_temp._dc k
     where not exists (select 1 from dw.dim_day_climate c where c.unit_id = k.unit_id and c.day = k.day)
    on conflict (unit_id, day) do nothing;
    delete from pg_temp._dck;
    insert into pg_temp._dck
    select c.unit_id, c.day, c.day_climate_key
      from pg_temp._dc k join dw.dim_day_climate c on c.unit_id = k.unit_id and c.day = k.day;
    analyze pg_temp._dck;

    perform dw._quality_check(p_table, '_fe');

    -- positions (fact_state) already guarantee each change is new, so a plain
    -- insert: ON CONFLICT DO NOTHING would cost ~20% of the whole apply. The
    -- unique constraint stays as the guard; were it ever hit (a bug), the batch
    -- fails loudly instead of writing a duplicate.
    insert into dw.fact_energy (source_table, source_id, source_lsn, entry_kind, device_key, unit_key, user_key,
                                day_climate_key, date_key, measured_at, generated_kwh, injected_kwh,
                                consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                                source_commit_lsn, source_commit_ts, loaded_at, quality_flags)
    select p_table, f.row_id, f.lsn, f.entry_kind, d.device_key, u.unit_key, us.user_key, c.day_climate_key,
           -- (date_part: double arithmetic, three times cheaper than extract's numeric)
           (date_part('year', f.day) * 10000 + date_part('month', f.day) * 100 + date_part('day', f.day))::int,
           f.measured_at, f.generated_kwh, f.injected_kwh, f.consumed_kwh, f.compensated_kwh, f.power_kw,
           f.credit_balance_kwh, f.commit_lsn, f.commit_ts, now(), f.quality_flags
      from pg_temp._fe f
      left join pg_temp._dv d on d.device_id = f.device_id and f.commit_ts >= d.vf and f.commit_ts < d.vt
      left join pg_temp._uv u on u.unit_id = coalesce(d.unit_id, f.unit_id)
                             and f.commit_ts >= u.vf and f.commit_ts < u.vt
      left join pg_temp._usv us on us.user_id = u.user_id and f.commit_ts >= us.vf and f.commit_ts < us.vt
      left join pg_temp._dck c on c.unit_id = coalesce(d.unit_id, f.unit_id) and c.day = f.day
     order by f.commit_lsn, f.lsn, f.entry_kind desc;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- Applies pg_temp._fact_in (at most one change per source row) of one fact
-- table: ledger entries derived from the held state (dw.fact_state), keyed to
-- the dimension versions valid at each change's commit time, then the new
-- state. Returns the number of ledger rows written.
--
-- Per change: insert/snapshot (or any change of a row not live) → original;
-- update → correction (deltas, new non-additive values); an update that moves
-- the row (energy: device or time; compensation: unit or month) → reversal
-- under the old attribution + original under the new; delete → reversal.
--
-- Keys: the version with valid_from <= ts < coalesce(valid_to, 'infinity');
-- version 1 also covers any earlier time, so a key is always found. A member
-- never seen becomes an inferred member (version 1 from the fact's commit time).
--
-- p_new: the caller guarantees that every row of _fact_in is held nowhere
-- (no fact_state row) and changes once, by an insert or snapshot read: each
-- is an original with its new values (a placeholder keeps the held value,
-- which is null), so the entries come straight from `after`, without _fr.
drop function if exists dw._fact_round(text, text);
create or replace function dw._fact_round(p_table text, p_tz text, p_new boolean) returns int
language plpgsql as $$
declare
    v_n int;
    v_energy constant boolean := p_table = 'energy';
    v_ph constant text := '__debezium_unavailable_value';
begin
    drop table if exists _fr;
    delete from pg_temp._fe;
    if p_new then
        -- st_*: what fact_state stores for the row
        insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                                 st_measured_at, st_reference_month)
        select i.row_id, i.lsn, i.commit_lsn, i.commit_ts, 2 as ord, 'original'::text as entry_kind,
               i.device_id, i.unit_id,
               case when v_energy then i.measured_at
                    else date_trunc('month', i.reference_month)::timestamp at time zone p_tz end as measured_at,
               case when v_energy then (i.measured_at at time zone p_tz)::date
                    else date_trunc('month', i.reference_month)::date end as day,
               i.energy_kwh as generated_kwh, i.injected_kwh, i.consumed_kwh, i.compensated_kwh,
               i.power_kw, i.credit_balance_kwh,
               i.measured_at as st_measured_at, i.reference_month as st_reference_month
          from (select x.row_id, x.lsn, x.commit_lsn, x.commit_ts,
                       case when x.t_device_id <> v_ph then x.t_device_id::bigint end as device_id,
                       case when x.t_unit_id <> v_ph then x.t_unit_id::bigint end as unit_id,
                       case when x.t_measured_at <> v_ph then x.t_measured_at::timestamptz end as measured_at,
                       case when x.t_reference_month <> v_ph then x.t_reference_month::date end as reference_month,
                       case when x.t_energy_kwh <> v_ph then x.t_energy_kwh::numeric end as energy_kwh,
                       case when x.t_power_kw <> v_ph then x.t_power_kw::numeric end as power_kw,
                       case when x.t_injected_kwh <> v_ph then x.t_injected_kwh::numeric end as injected_kwh,
                       case when x.t_consumed_kwh <> v_ph then x.t_consumed_kwh::numeric end as consumed_kwh,
                       case when x.t_compensated_kwh <> v_ph then x.t_compensated_kwh::numeric end as compensated_kwh,
                       case when x.t_credit_balance_kwh <> v_ph then x.t_credit_balance_kwh::numeric end
                           as credit_balance_kwh
                  from (select i.row_id, i.lsn, i.commit_lsn, i.commit_ts,
                               case when v_energy then i.after->>'device_id' end as t_device_id,
                               case when not v_energy then i.after->>'unit_id' end as t_unit_id,
                               case when v_energy then i.after->>'measured_at' end as t_measured_at,
                               case when not v_energy then i.after->>'reference_month' end as t_reference_month,
                               case when v_energy then i.after->>'energy_kwh' end as t_energy_kwh,
                               case when v_energy then i.after->>'power_kw' end as t_power_kw,
                               case when not v_energy then i.after->>'injected_kwh' end as t_injected_kwh,
                               case when not v_energy then i.after->>'consumed_kwh' end as t_consumed_kwh,
                               case when not v_energy then i.after->>'compensated_kwh' end as t_compensated_kwh,
                               case when not v_energy then i.after->>'credit_balance_kwh' end as t_credit_balance_kwh
                          from pg_temp._fact_in i
                        offset 0) x   -- offset 0: each value extracted once, not once per use
               ) i;
    else
    -- held values (o_*) and new values: the placeholder keeps the held value,
    -- a delete keeps them all.
    create temp table _fr on commit drop as
    select x.*,
           x.old_live and x.op <> 'd'
           and case when v_energy then (x.device_id, x.measured_at) is distinct from (x.o_device_id, x.o_measured_at)
                    else (x.unit_id, x.reference_month) is distinct from (x.o_unit_id, x.o_reference_month) end as moved
      from (select i.row_id, i.op, i.commit_lsn, i.lsn, i.commit_ts,
                   s.source_id is not null as had_state, s.s_ctid,
                   coalesce(s.live, false) as old_live,
                   s.device_id as o_device_id, s.unit_id as o_unit_id, s.measured_at as o_measured_at,
                   s.reference_month as o_reference_month, s.energy_kwh as o_energy_kwh, s.power_kw as o_power_kw,
                   s.injected_kwh as o_injected_kwh, s.consumed_kwh as o_consumed_kwh,
                   s.compensated_kwh as o_compensated_kwh, s.credit_balance_kwh as o_credit_balance_kwh,
                   case when not v_energy or i.op = 'd' or i.after->>'device_id' = v_ph then s.device_id
                        else (i.after->>'device_id')::bigint end as device_id,
                   case when v_energy or i.op = 'd' or i.after->>'unit_id' = v_ph then s.unit_id
                        else (i.after->>'unit_id')::bigint end as unit_id,
                   case when not v_energy or i.op = 'd' or i.after->>'measured_at' = v_ph then s.measured_at
                        else (i.after->>'measured_at')::timestamptz end as measured_at,
                   case when v_energy or i.op = 'd' or i.after->>'reference_month' = v_ph then s.reference_month
                        else (i.after->>'reference_month')::date end as reference_month,
                   case when not v_energy or i.op = 'd' or i.after->>'energy_kwh' = v_ph then s.energy_kwh
                        else (i.after->>'energy_kwh')::numeric end as energy_kwh,
                   case when not v_energy or i.op = 'd' or i.after->>'power_kw' = v_ph then s.power_kw
                        else (i.after->>'power_kw')::numeric end as power_kw,
                   case when v_energy or i.op = 'd' or i.after->>'injected_kwh' = v_ph then s.injected_kwh
                        else (i.after->>'injected_kwh')::numeric end as injected_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'consumed_kwh' = v_ph then s.consumed_kwh
                        else (i.after->>'consumed_kwh')::numeric end as consumed_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'compensated_kwh' = v_ph then s.compensated_kwh
                        else (i.after->>'compensated_kwh')::numeric end as compensated_kwh,
                   case when v_energy or i.op = 'd' or i.after->>'credit_balance_kwh' = v_ph then s.credit_balance_kwh
                        else (i.after->>'credit_balance_kwh')::numeric end as credit_balance_kwh
              from pg_temp._fact_in i
              -- a probe per change (offset 0 keeps it a parameterized index scan:
              -- a hash join would read all of fact_state on every batch)
              left join lateral (select s.ctid as s_ctid, s.* from dw.fact_state s
                                  where s.source_table = p_table and s.source_id = i.row_id offset 0) s on true
             where s.source_id is null or (i.commit_lsn, i.lsn) > (s.commit_lsn, s.lsn)) x;

    -- the ledger entries: ord 1 = reversal under the held attribution,
    -- ord 2 = original/correction under the new one
    insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                             fv_generated_kwh, fv_injected_kwh, fv_consumed_kwh, fv_compensated_kwh,
                             st_measured_at, st_reference_month)
    select f.row_id, f.lsn, f.commit_lsn, f.commit_ts, k.ord,
           case when k.ord = 1 then 'reversal' when f.old_live and not f.moved then 'correction' else 'original' end
               as entry_kind,
           case when not v_energy then null when k.ord = 1 then f.o_device_id else f.device_id end as device_id,
           case when v_energy then null when k.ord = 1 then f.o_unit_id else f.unit_id end as unit_id,
           case when v_energy then case when k.ord = 1 then f.o_measured_at else f.measured_at end
                else date_trunc('month', case when k.ord = 1 then f.o_reference_month else f.reference_month end)::timestamp
                     at time zone p_tz end as measured_at,
           case when v_energy then ((case when k.ord = 1 then f.o_measured_at else f.measured_at end) at time zone p_tz)::date
                else date_trunc('month', case when k.ord = 1 then f.o_reference_month else f.reference_month end)::date
           end as day,
           case when k.ord = 1 then -f.o_energy_kwh
                when not f.old_live or f.moved then f.energy_kwh
                when f.energy_kwh is null and f.o_energy_kwh is null then null
                else coalesce(f.energy_kwh, 0) - coalesce(f.o_energy_kwh, 0) end as generated_kwh,
           case when k.ord = 1 then -f.o_injected_kwh
                when not f.old_live or f.moved then f.injected_kwh
                when f.injected_kwh is null and f.o_injected_kwh is null then null
                else coalesce(f.injected_kwh, 0) - coalesce(f.o_injected_kwh, 0) end as injected_kwh,
           case when k.ord = 1 then -f.o_consumed_kwh
                when not f.old_live or f.moved then f.consumed_kwh
                when f.consumed_kwh is null and f.o_consumed_kwh is null then null
                else coalesce(f.consumed_kwh, 0) - coalesce(f.o_consumed_kwh, 0) end as consumed_kwh,
           case when k.ord = 1 then -f.o_compensated_kwh
                when not f.old_live or f.moved then f.compensated_kwh
                when f.compensated_kwh is null and f.o_compensated_kwh is null then null
                else coalesce(f.compensated_kwh, 0) - coalesce(f.o_compensated_kwh, 0) end as compensated_kwh,
           case when k.ord = 1 then null else f.power_kw end as power_kw,
           case when k.ord = 1 then null else f.credit_balance_kwh end as credit_balance_kwh,
           f.energy_kwh, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.measured_at, f.reference_month   -- (what dw._quarantine keeps of a change held back)
      from pg_temp._fr f
      join (values (1), (2)) k(ord)
        on (k.ord = 2 and f.op <> 'd') or (k.ord = 1 and f.old_live and (f.op = 'd' or f.moved));
    end if;

    v_n := dw._fact_key_and_write(p_table);

    -- the new state: update the rows held, insert the others (a row whose change
    -- was quarantined keeps its state)
    if p_new then
        perform dw._fact_state_of_new(p_table);
        perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fe');
        return v_n;
    end if;
    update dw.fact_state s
       set live = f.op <> 'd', device_id = f.device_id, unit_id = f.unit_id, measured_at = f.measured_at,
           reference_month = f.reference_month, energy_kwh = f.energy_kwh, power_kw = f.power_kw,
           injected_kwh = f.injected_kwh, consumed_kwh = f.consumed_kwh, compensated_kwh = f.compensated_kwh,
           credit_balance_kwh = f.credit_balance_kwh, commit_lsn = f.commit_lsn, lsn = f.lsn
      from pg_temp._fr f
     where f.had_state and s.ctid = f.s_ctid   -- a TID scan: the row read into _fr above
       and not exists (select 1 from pg_temp._qrows q where q.row_id = f.row_id);
    insert into dw.fact_state (source_table, source_id, live, device_id, unit_id, measured_at, reference_month,
                               energy_kwh, power_kw, injected_kwh, consumed_kwh, compensated_kwh,
                               credit_balance_kwh, commit_lsn, lsn)
    select p_table, f.row_id, f.op <> 'd', f.device_id, f.unit_id, f.measured_at, f.reference_month,
           f.energy_kwh, f.power_kw, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.credit_balance_kwh, f.commit_lsn, f.lsn
      from pg_temp._fr f
     where not f.had_state
       and not exists (select 1 from pg_temp._qrows q where q.row_id = f.row_id);
    perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fr');
    return v_n;
end
$$;

-- fact_state rows for the entries of pg_temp._fe when every one is the first
-- change of a row never held (dw._fact_round's p_new, dw._fact_typed_round).
create or replace function dw._fact_state_of_new(p_table text) returns void
language plpgsql as $$   -- (plpgsql: the temp table does not exist when this is created)
begin
    insert into dw.fact_state (source_table, source_id, live, device_id, unit_id, measured_at, reference_month,
                               energy_kwh, power_kw, injected_kwh, consumed_kwh, compensated_kwh,
                               credit_balance_kwh, commit_lsn, lsn)
    select p_table, f.row_id, true, f.device_id, f.unit_id, f.st_measured_at, f.st_reference_month,
           f.generated_kwh, f.power_kw, f.injected_kwh, f.consumed_kwh, f.compensated_kwh,
           f.credit_balance_kwh, f.commit_lsn, f.lsn
      from pg_temp._fe f;
end
$$;

-- fact_state rows, derived from the ledger, for energy rows that have none
-- because their only change so far was a first insert written by
-- dw._fact_typed_round: their ledger holds exactly that original, whose
-- values are the row's (device from the device version's natural key). With
-- p_all every such row of the table (before a truncate reverses all live
-- rows); otherwise the rows of the changes the general path is about to apply
-- (pending_fact up to p_w and pg_temp.stage_changes). Called before anything
-- there reads fact_state, so that the general path sees every row held.
create or replace function dw._fact_state_from_ledger(p_table text, p_w pg_lsn, p_all boolean) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    if p_table <> 'energy' then
        return 0;   -- compensation rows always have their fact_state row
    end if;
    if p_all then
        insert into dw.fact_state (source_table, source_id, live, device_id, measured_at, energy_kwh, power_kw,
                                   commit_lsn, lsn)
        select distinct on (e.source_id) 'energy', e.source_id, true, d.device_id, e.measured_at, e.generated_kwh,
               e.power_kw, e.source_commit_lsn, e.source_lsn
          from dw.fact_energy e
          left join dw.dim_devices d on d.device_key = e.device_key
         where e.source_table = 'energy'
           and not exists (select 1 from dw.fact_state s where s.source_table = 'energy' and s.source_id = e.source_id)
         order by e.source_id, e.source_commit_lsn desc, e.source_lsn desc;   -- (the latest by position, as below)
    else
        -- a probe of each index per row id (LIMIT, OFFSET 0: never a scan of the
        -- ledger or of fact_state, which a hash join would read whole every batch)
        insert into dw.fact_state (source_table, source_id, live, device_id, measured_at, energy_kwh, power_kw,
                                   commit_lsn, lsn)
        select 'energy', k.row_id, true, d.device_id, e.measured_at, e.generated_kwh,
               e.power_kw, e.source_commit_lsn, e.source_lsn
          from (select p.row_id from dw.pending_fact p
                 where p.source_table = 'energy' and p.commit_lsn <= p_w and p.row_id is not null
                union
                select c.row_id from pg_temp.stage_changes c
                 where c.source_table = 'energy' and c.commit_lsn <= p_w and c.row_id is not null) k
         cross join lateral (select e.* from dw.fact_energy e
                              where e.source_table = 'energy' and e.source_id = k.row_id
                              order by e.source_commit_lsn desc, e.source_lsn desc limit 1) e
          left join dw.dim_devices d on d.device_key = e.device_key
         where not exists (select 1 from dw.fact_state s
                            where s.source_table = 'energy' and s.source_id = k.row_id offset 0);
    end if;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- Fact changes staged typed (pg_temp.stage_facts): those above the watermark
-- p_w wait in pending_fact, typed (dw._release_typed_pending brings them back);
-- those that must not take the typed round move to pg_temp.stage_changes, as
-- the jsonb image they stand for, and take the general path (rounds,
-- positions): a change at or below the table's latest truncate, of a
-- row changed elsewhere in the batch or waiting in pending_fact, of a row
-- already held (a replay), or staged twice (a re-send); and all of them when
-- p_all (transaction consistency holds changes as jsonb) or when a truncate of
-- the table is staged or pending. Returns the changes that stay typed.
create or replace function dw._route_staged_facts(p_table text, p_w pg_lsn, p_all boolean) returns bigint
language plpgsql as $$
declare
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_hi bigint;
    v_min bigint; v_max bigint; v_n bigint;
    v_range boolean;
    v_all boolean;
    v_kept bigint;
begin
    select min(f.row_id), max(f.row_id), count(*) into v_min, v_max, v_n
      from pg_temp.stage_facts f where f.source_table = p_table;
    if v_min is null then
        return 0;
    end if;
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_table
     order by a.commit_lsn desc, a.lsn desc limit 1;
    -- rows held: in fact_state, or only in the ledger (dw._fact_state_from_ledger)
    -- (ORDER BY … LIMIT 1: one index probe each, see dw.apply_fact_table)
    v_hi := greatest((select s.source_id from dw.fact_state s where s.source_table = p_table
                       order by s.source_id desc limit 1),
                     (select e.source_id from dw.fact_energy e where e.source_table = p_table
                       order by e.source_id desc limit 1));
    -- an index entry scanned costs about a twentieth of a probe
    v_range := least(v_max, v_hi) - v_min < 20 * v_n;
    v_all := p_all
        or exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.op = 't')
        -- (a truncate has no row id: pending_fact_change's index finds it)
        or exists (select 1 from dw.pending_fact p where p.source_table = p_table and p.row_id is null);
    -- above the watermark: waits in pending_fact, typed
    if not v_all and exists (select 1 from pg_temp.stage_facts f where f.source_table = p_table and f.commit_lsn > p_w) then
        with deferred as (
            delete from pg_temp.stage_facts f where f.source_table = p_table and f.commit_lsn > p_w returning f.*)
        insert into dw.pending_fact (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, typed,
                                     device_id, measured_at, energy_kwh, power_kw, unit_id, reference_month,
                                     injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
        select d.seq, d.source_table, d.op, d.row_id, d.lsn, d.commit_lsn, d.tx_id, d.commit_ts, true,
               d.device_id, d.measured_at, d.energy_kwh, d.power_kw, d.unit_id, d.reference_month,
               d.injected_kwh, d.consumed_kwh, d.compensated_kwh, d.credit_balance_kwh
          from deferred d
        on conflict on constraint pending_fact_change do nothing;
    end if;
    with moved as (
        delete from pg_temp.stage_facts f
         where f.source_table = p_table
           and (v_all
                or (v_lo_commit is not null and (f.commit_lsn, f.lsn) <= (v_lo_commit, v_lo_lsn))
                or f.row_id in (select s.row_id from pg_temp.stage_changes s
                                 where s.source_table = p_table and s.row_id is not null)
                or f.row_id in (select p.row_id from dw.pending_fact p
                                 where p.source_table = p_table and p.row_id is not null)
                or f.row_id in (select d.row_id from pg_temp.stage_facts d
                                 where d.source_table = p_table group by d.row_id having count(*) > 1)
                -- rows held (fact_state or the ledger): one scan of each index over
                -- the batch's id range when that range is about the batch (ids
                -- grow), else probes per row below the greatest id held
                -- (partitions consumed unevenly)
                or (v_min <= v_hi and not v_range and f.row_id <= v_hi
                    and (exists (select 1 from dw.fact_state s where s.source_table = p_table and s.source_id = f.row_id)
                         or exists (select 1 from dw.fact_energy e where e.source_table = p_table and e.source_id = f.row_id)))
                or (v_min <= v_hi and v_range
                    and (f.row_id in (select s.source_id from dw.fact_state s
                                       where s.source_table = p_table and s.source_id between v_min and least(v_max, v_hi)
                                         -- (coalesce: keeps this a hashed subplan, not a join)
                                         and coalesce(s.source_id in (select g.row_id from pg_temp.stage_facts g
                                                                       where g.source_table = p_table), false))
                         or f.row_id in (select e.source_id from dw.fact_energy e
                                          where e.source_table = p_table and e.source_id between v_min and least(v_max, v_hi)
                                            and coalesce(e.source_id in (select g.row_id from pg_temp.stage_facts g
                                                                          where g.source_table = p_table), false)))))
        returning f.*)
    insert into pg_temp.stage_changes (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select m.seq, m.source_table, m.op, m.row_id, m.lsn, m.commit_lsn, m.tx_id, m.commit_ts,
           case when m.source_table = 'energy'
                then jsonb_build_object('id', m.row_id, 'device_id', m.device_id, 'measured_at', m.measured_at,
                                        'energy_kwh', m.energy_kwh::text, 'power_kw', m.power_kw::text)
                else jsonb_build_object('id', m.row_id, 'unit_id', m.unit_id, 'reference_month', m.reference_month,
                                        'injected_kwh', m.injected_kwh::text, 'consumed_kwh', m.consumed_kwh::text,
                                        'compensated_kwh', m.compensated_kwh::text,
                                        'credit_balance_kwh', m.credit_balance_kwh::text) end,
           null
      from moved m;
    select count(*) into v_kept from pg_temp.stage_facts f where f.source_table = p_table;
    return v_kept;
end
$$;

-- Typed fact changes in pending_fact whose commit the watermark has now
-- passed (per table: dw._fact_cutoff) go back to pg_temp.stage_facts, to be
-- routed like the batch's own.
drop function if exists dw._release_typed_pending(pg_lsn);
create or replace function dw._release_typed_pending(p_w_energy pg_lsn, p_w_compensate pg_lsn) returns bigint
language plpgsql as $$
declare
    v_n bigint;
begin
    with released as (
        delete from dw.pending_fact p
         where p.typed and p.commit_lsn <= greatest(p_w_energy, p_w_compensate)
           and p.commit_lsn <= case p.source_table when 'energy' then p_w_energy else p_w_compensate end
        returning p.*)
    insert into pg_temp.stage_facts (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts,
                                     device_id, measured_at, energy_kwh, power_kw, unit_id, reference_month,
                                     injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
    select r.seq, r.source_table, r.op, r.row_id, r.lsn, r.commit_lsn, r.tx_id, r.commit_ts,
           r.device_id, r.measured_at, r.energy_kwh, r.power_kw, r.unit_id, r.reference_month,
           r.injected_kwh, r.consumed_kwh, r.compensated_kwh, r.credit_balance_kwh
      from released r;
    get diagnostics v_n = row_count;
    return v_n;
end
$$;

-- The typed changes dw._route_staged_facts kept (inserts and snapshot reads,
-- the only change of rows never held, at or below the watermark): originals,
-- written in one round without reading fact_state or any jsonb. This is how
-- most facts arrive, so it is the path that sets apply's throughput.
create or replace function dw._fact_typed_round(p_table text, p_tz text) returns int
language plpgsql as $$
declare
    v_n int;
    v_energy constant boolean := p_table = 'energy';
begin
    delete from pg_temp._fe;
    insert into pg_temp._fe (row_id, lsn, commit_lsn, commit_ts, ord, entry_kind, device_id, unit_id, measured_at, day, generated_kwh, injected_kwh, consumed_kwh, compensated_kwh, power_kw, credit_balance_kwh,
                             st_measured_at, st_reference_month)
    select f.row_id, f.lsn, f.commit_lsn, f.commit_ts, 2 as ord, 'original'::text as entry_kind,
           case when v_energy then f.device_id end as device_id,
           case when not v_energy then f.unit_id end as unit_id,
           case when v_energy then f.measured_at
                else date_trunc('month', f.reference_month)::timestamp at time zone p_tz end as measured_at,
           case when v_energy then (f.measured_at at time zone p_tz)::date
                else date_trunc('month', f.reference_month)::date end as day,
           case when v_energy then f.energy_kwh end as generated_kwh,
           case when not v_energy then f.injected_kwh end as injected_kwh,
           case when not v_energy then f.consumed_kwh end as consumed_kwh,
           case when not v_energy then f.compensated_kwh end as compensated_kwh,
           case when v_energy then f.power_kw end as power_kw,
           case when not v_energy then f.credit_balance_kwh end as credit_balance_kwh,
           case when v_energy then f.measured_at end as st_measured_at,
           case when not v_energy then f.reference_month end as st_reference_month
      from pg_temp.stage_facts f
     where f.source_table = p_table;
    v_n := dw._fact_key_and_write(p_table);
    -- An energy row's state is its ledger original until a later change needs it
    -- (dw._fact_state_from_ledger): writing fact_state for every new reading
    -- cost a fifth of apply's time, for rows that are mostly never changed.
    -- (A compensation row's reference_month is not recoverable from the ledger,
    -- which holds the month's first day: its state is written.)
    if not v_energy then
        perform dw._fact_state_of_new(p_table);
    end if;
    perform dw._quarantine_supersede(p_table, 'select row_id, commit_lsn, lsn from pg_temp._fe');
    return v_n;
end
$$;

-- Applies the changes of pg_temp._fact_ev (one fact table; rnd numbers each
-- row's changes in order) up to p_upper (all if null), one round at a time.
--
-- Rows never held before (no fact_state row) that change once in the batch,
-- by an insert or snapshot read (_fact_ev.is_new), are split off and
-- written in one round without reading fact_state (dw._fact_round's p_new):
-- that is how most fact rows arrive. A row's changes are never split between
-- the two, and rows are independent of each other, so the order between them
-- does not matter.
create or replace function dw._fact_segment(p_table text, p_tz text, p_upper_commit pg_lsn, p_upper_lsn pg_lsn)
returns int language plpgsql as $$
declare
    v_min int;
    v_max int;
    v_all bigint;
    v_new bigint;
    v_n int := 0;
begin
    drop table if exists _fact_seg;
    if p_upper_commit is null then
        alter table pg_temp._fact_ev rename to _fact_seg;
    else
        create temp table _fact_seg on commit drop as
        select * from pg_temp._fact_ev e where (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);
        delete from pg_temp._fact_ev e where (e.commit_lsn, e.lsn) <= (p_upper_commit, p_upper_lsn);
    end if;
    select min(e.rnd), max(e.rnd), count(*), count(*) filter (where e.is_new)
      into v_min, v_max, v_all, v_new
      from pg_temp._fact_seg e;
    if v_all = 0 then
        return 0;
    end if;
    if v_new > 0 then
        drop table if exists _fact_in;
        if v_new = v_all then
            alter table pg_temp._fact_seg rename to _fact_in;
        else
            create temp table _fact_in on commit drop as
            select * from pg_temp._fact_seg e where e.is_new;
            delete from pg_temp._fact_seg e where e.is_new;
        end if;
        v_n := v_n + dw._fact_round(p_table, p_tz, true);
        if v_new = v_all then
            return v_n;
        end if;
        select min(e.rnd), max(e.rnd) into v_min, v_max from pg_temp._fact_seg e;
    end if;
    for r in v_min .. v_max loop
        drop table if exists _fact_in;
        if v_min = v_max then
            alter table pg_temp._fact_seg rename to _fact_in;
        else
            create temp table _fact_in on commit drop as
            select * from pg_temp._fact_seg where rnd = r;
            continue when not exists (select 1 from pg_temp._fact_in);
        end if;
        analyze pg_temp._fact_in;
        v_n := v_n + dw._fact_round(p_table, p_tz, false);
    end loop;
    return v_n;
end
$$;

-- Applies the fact changes of one table with commit_lsn <= p_w, from
-- dw.pending_fact and from the staging table (changes ready on arrival never
-- go through pending_fact).
create or replace function dw.apply_fact_table(p_table text, p_tz text, p_w pg_lsn) returns int
language plpgsql as $$
declare
    v_lo_commit pg_lsn; v_lo_lsn pg_lsn;
    v_hi bigint;
    v_n int := 0;
    t record;
begin
    select a.commit_lsn, a.lsn into v_lo_commit, v_lo_lsn
      from dw.applied_truncate a where a.source_table = p_table
     order by a.commit_lsn desc, a.lsn desc limit 1;

    -- new changes: deduplicated and above the latest truncate (changes at or
    -- below the row's applied position are dropped by _fact_round)
    -- is_new: the row's only change, an insert or snapshot read, of a row never
    -- held (no fact_state row: one probe of its key, none above the greatest id
    -- held); such rows are written without reading fact_state again
    -- ORDER BY … LIMIT 1, not max(): plpgsql caches a generic plan made while
    -- fact_state was small, and that plan aggregated over every row of the table
    -- (150 ms per batch at 1,000,000 rows); this form is always one index probe.
    -- rows known only from their ledger original get their fact_state row first
    -- (all of them when a truncate is to be applied: it reverses every live row)
    perform dw._fact_state_from_ledger(p_table, p_w,
        exists (select 1 from dw.pending_fact p where p.source_table = p_table and p.commit_lsn <= p_w and p.op = 't')
        or exists (select 1 from pg_temp.stage_changes s where s.source_table = p_table and s.commit_lsn <= p_w and s.op = 't'));
    select s.source_id into v_hi from dw.fact_state s where s.source_table = p_table
     order by s.source_id desc limit 1;
    drop table if exists _fact_ev;
    create temp table _fact_ev on commit drop as
    select y.*,
           y.n_changes = 1 and y.op in ('c', 'r')
           and (y.row_id > coalesce(v_hi, -1)
                or not exists (select 1 from dw.fact_state s
                                where s.source_table = p_table and s.source_id = y.row_id offset 0)) as is_new
      from (
    select x.*, row_number() over (partition by x.row_id order by x.commit_lsn, x.lsn)::int as rnd,
           count(*) over (partition by x.row_id)::int as n_changes
      from (select distinct on (a.row_id, a.commit_lsn, a.lsn) a.row_id, a.op, a.commit_lsn, a.lsn, a.commit_ts, a.after
              from (select p.row_id, p.op, p.commit_lsn, p.lsn, p.commit_ts, p.after, p.seq
                      from dw.pending_fact p
                     where p.source_table = p_table and p.commit_lsn <= p_w and p.op <> 't'
                    union all
                    select s.row_id, s.op, s.commit_lsn, s.lsn, s.commit_ts, s.after, s.seq
                      from pg_temp.stage_changes s
                     where s.source_table = p_table and s.commit_lsn <= p_w and s.op <> 't') a
             where v_lo_commit is null or (a.commit_lsn, a.lsn) > (v_lo_commit, v_lo_lsn)
             order by a.row_id, a.commit_lsn, a.lsn, a.seq) x) y;

    for t in select distinct a.commit_lsn, a.lsn, a.commit_ts
               from (select p.commit_lsn, p.lsn, p.commit_ts from dw.pending_fact p
                      where p.source_table = p_table and p.commit_lsn <= p_w and p.op = 't'
                     union all
                     select s.commit_lsn, s.lsn, s.commit_ts from pg_temp.stage_changes s
                      where s.source_table = p_table and s.commit_lsn <= p_w and s.op = 't') a
              where true
                and not exists (select 1 from dw.applied_truncate x
                                 where x.source_table = p_table and x.commit_lsn = a.commit_lsn and x.lsn = a.lsn)
              order by a.commit_lsn, a.lsn loop
        v_n := v_n + dw._fact_segment(p_table, p_tz, t.commit_lsn, t.lsn);
        -- the truncate reverses every row live before it. A row whose held
        -- position is after it came in later, through a partition read
        -- before the truncate's (a truncate has no key): it stays.
        drop table if exists _fact_in;
        create temp table _fact_in on commit drop as
        select s.source_id as row_id, 'd'::char(1) as op, t.commit_lsn as commit_lsn, t.lsn as lsn,
               t.commit_ts as commit_ts, null::jsonb as after
          from dw.fact_state s where s.source_table = p_table and s.live
           and (s.commit_lsn, s.lsn) < (t.commit_lsn, t.lsn);
        v_n := v_n + dw._fact_round(p_table, p_tz, false);
        insert into dw.applied_truncate (source_table, commit_lsn, lsn, commit_ts)
        values (p_table, t.commit_lsn, t.lsn, t.commit_ts) on conflict do nothing;
        perform dw._quarantine_truncated(p_table, t.commit_lsn, t.lsn);
    end loop;
    v_n := v_n + dw._fact_segment(p_table, p_tz, null, null);
    return v_n;
end
$$;


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
create or replace function dw.apply_batch(p_config jsonb default '{}'::jsonb) returns jsonb
language plpgsql as $$
declare
    v_err text;
begin
    begin
        return dw.apply_staged(p_config);
    exception when data_exception or integrity_constraint_violation then
        get stacked diagnostics v_err = message_text;
    end;
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
    drop table if exists _iso_changes, _iso_facts, _iso_tx, _iso_stats, _iso_failed;
    create temp table _iso_changes on commit drop as select * from pg_temp.stage_changes;
    create temp table _iso_facts on commit drop as select * from pg_temp.stage_facts;
    create temp table _iso_tx on commit drop as select * from pg_temp.stage_tx;
    create temp table _iso_stats (stats jsonb) on commit drop;
    create temp table _iso_failed (seq bigint, source_table text, row_id bigint, lsn pg_lsn, error text) on commit drop;
    select min(x.seq), max(x.seq) into v_lo, v_hi
      from (select seq from _iso_changes union all select seq from _iso_facts) x;
    if v_lo is null then
        raise exception 'helio: apply failed on a batch without changes: %', p_error using errcode = '22000';
    end if;
    perform dw._apply_range(p_config, v_lo, v_hi);
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

-- Applies the changes of the isolated batch with p_lo <= seq <= p_hi (and all
-- its ENDs), halving the range while it fails on the data.
create or replace function dw._apply_range(p_config jsonb, p_lo bigint, p_hi bigint) returns void
language plpgsql as $$
declare
    v_err text;
    v_mid bigint;
begin
    if not exists (select 1 from _iso_changes where seq between p_lo and p_hi)
       and not exists (select 1 from _iso_facts where seq between p_lo and p_hi) then
        return;
    end if;
    delete from pg_temp.stage_changes;
    delete from pg_temp.stage_facts;
    delete from pg_temp.stage_tx;
    insert into pg_temp.stage_changes select * from _iso_changes where seq between p_lo and p_hi;
    insert into pg_temp.stage_facts select * from _iso_facts where seq between p_lo and p_hi;
    insert into pg_temp.stage_tx select * from _iso_tx;
    begin
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
    insert into _iso_failed
    select p_seq, s.source_table, s.row_id, s.lsn, p_error from pg_temp.stage_changes s
    union all
    select p_seq, f.source_table, f.row_id, f.lsn, p_error from pg_temp.stage_facts f;
    v_new := dw._quarantine_staged('{apply_error}', p_error, 'all');
    if v_new > 0 then
        perform dw._count_arrivals();
    end if;
    delete from pg_temp.stage_changes;
    delete from pg_temp.stage_facts;
end
$$;

-- Moves staged changes into dw.quarantine as held (p_which: 'all'; 'behind':
-- those whose row already has a held apply error; 'paused': those of the tables
-- in dw.paused_table), counting
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
                                         and q.source_table = s.source_table and q.row_id = s.row_id)
           when 'paused' then s.source_table in (select p.source_table from dw.paused_table p)
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
                                         and q.source_table = f.source_table and q.row_id = f.row_id)
           when 'paused' then f.source_table in (select p.source_table from dw.paused_table p)
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
               coalesce(m.after, '{}'::jsonb), m.before, m.tx_id, p_rules, p_error
          from _qmove m
        on conflict on constraint quarantine_change do nothing
        returning source_table, commit_lsn)
    insert into dw.tx_log as tl (commit_lsn, dim_applied)
    select a.commit_lsn, count(*) from added a
     where a.source_table in ('users', 'units', 'devices')
       and a.commit_lsn >= coalesce((select h.commit_lsn from dw.tx_log_horizon h), '0/0'::pg_lsn)
     group by a.commit_lsn
    on conflict (commit_lsn) do update set dim_applied = tl.dim_applied + excluded.dim_applied;
    select count(*) into v_n from _qmove;
    return v_n;
end
$$;

-- Later changes of a row whose change apply could not apply wait behind it,
-- held (in source order), never applied out of order. Called by apply_staged
-- after the batch's arrivals are counted; costs one probe when nothing is held.
create or replace function dw._hold_behind_errors() returns void
language plpgsql as $$
begin
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
    delete from dw.paused_table where source_table = p_table;
    return (dw.quality_release(p_table, 'paused', null, p_config, p_by)->>'released')::int;
end
$$;

-- ---------------------------------------------------------------------------
-- Entry point
-- ---------------------------------------------------------------------------

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
begin
    -- one applier at a time per warehouse (a second one waits for the commit)
    perform pg_advisory_xact_lock(hashtext('helio.dw.apply_staged'));
    perform dw.create_staging();
    v_cfg := dw.effective_config(p_config);
    v_tz := v_cfg->>'timezone';
    v_minutes := (v_cfg->>'sample_minutes')::numeric;
    -- the quality rules, for dw._quality_check (for this transaction only)
    delete from pg_temp._qcount;
    perform set_config('helio.quality', jsonb_build_object('rules', v_cfg->'quality_rules',
                                                           'sample_minutes', v_minutes,
                                                           'release', v_cfg->'quality_release')::text, true);

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
            select p.source_table from dw.pending_dim p) x;

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
    if exists (select 1 from dw.pending_fact p where p.typed and p.commit_lsn <= greatest(v_we, v_wc)) then
        v_released := dw._release_typed_pending(v_we, v_wc);
    end if;
    select count(*) into v_typed_deferred from pg_temp.stage_facts f
     where f.commit_lsn > case f.source_table when 'energy' then v_we else v_wc end;
    v_typed_energy := dw._route_staged_facts('energy', v_we, false);
    v_typed_comp := dw._route_staged_facts('energy_compensate', v_wc, false);
    insert into dw.pending_fact (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, after, before)
    select s.seq, s.source_table, s.op, s.row_id, s.lsn, s.commit_lsn, s.tx_id, s.commit_ts, s.after, s.before
      from pg_temp.stage_changes s
     where (s.source_table = 'energy' and s.commit_lsn > v_we)
        or (s.source_table = 'energy_compensate' and s.commit_lsn > v_wc)
    on conflict on constraint pending_fact_change do nothing;
    get diagnostics v_deferred = row_count;

    -- (stage_changes is looked at again: typed changes may have moved there)
    if exists (select 1 from pg_temp.stage_changes where source_table = 'energy' and commit_lsn <= v_we)
       or exists (select 1 from dw.pending_fact where commit_lsn <= v_we and source_table = 'energy') then
        v_energy := dw.apply_fact_table('energy', v_tz, v_we);
    end if;
    if exists (select 1 from pg_temp.stage_changes where source_table = 'energy_compensate' and commit_lsn <= v_wc)
       or exists (select 1 from dw.pending_fact where commit_lsn <= v_wc and source_table = 'energy_compensate') then
        v_comp := dw.apply_fact_table('energy_compensate', v_tz, v_wc);
    end if;
    -- rows never seen before change independently of those: the order between them does not matter
    if v_typed_energy > 0 then
        v_energy := v_energy + dw._fact_typed_round('energy', v_tz);
    end if;
    if v_typed_comp > 0 then
        v_comp := v_comp + dw._fact_typed_round('energy_compensate', v_tz);
    end if;
    delete from dw.pending_fact
     where commit_lsn <= greatest(v_we, v_wc)
       and commit_lsn <= case source_table when 'energy' then v_we else v_wc end;
    get diagnostics v_pending = row_count;
    v_released := v_released + v_pending;
    select count(*) into v_pending from dw.pending_fact;
    if v_released > 0 and v_pending = 0 then
        -- emptied: truncated, so that the next batches' looks into it (every
        -- batch makes some) do not read the pages of what was just deleted
        -- until autovacuum comes by (a catch-up can leave 100,000s there)
        truncate dw.pending_fact;
    end if;

    -- every transaction below the watermark is complete: prune them
    if v_w > '0/0'::pg_lsn then
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
        'dim_waiting', (select count(*) from dw.pending_dim),
        'quality', dw._quality_counts(),
        'watermark', v_w::text);
end
$$;
