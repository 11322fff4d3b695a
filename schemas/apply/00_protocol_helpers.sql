-- Helio warehouse: the functions that apply a batch of staged change events
-- (data contract §3). Run after warehouse.sql, as the role that owns schema dw.
-- Every object is `create or replace`, so the files can be run on every start.
-- They run in their numbered order, one concern a file (schemas/apply/README.md
-- says which Tests/SQL scenarios exercise each).
--
-- Protocol (one Kafka batch = one database transaction):
--   select dw.create_staging();                      -- once per session (idempotent)
--   begin;
--   copy pg_temp.stage_changes … ; copy pg_temp.stage_facts … ; copy pg_temp.stage_tx … ;
--   select dw.apply_batch('{}');                      -- apply_staged, a change it cannot apply
--                                                     -- held (09_apply_errors); stats as jsonb
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

-- A fact change's `after` image built from typed values, as Kafka carries it (the
-- measures as text, so that their scale is kept): for typed changes that take the
-- general path, and for changes the quarantine keeps. Inlined (a single select).
create or replace function dw._fact_image(p_table text, p_id bigint, p_device_id bigint, p_measured_at timestamptz,
                                          p_energy_kwh numeric, p_power_kw numeric, p_unit_id bigint,
                                          p_reference_month date, p_injected_kwh numeric, p_consumed_kwh numeric,
                                          p_compensated_kwh numeric, p_credit_balance_kwh numeric) returns jsonb
language sql immutable as $$
    select case when p_table = 'energy'
                then jsonb_build_object('id', p_id, 'device_id', p_device_id, 'measured_at', p_measured_at,
                                        'energy_kwh', p_energy_kwh::text, 'power_kw', p_power_kw::text)
                else jsonb_build_object('id', p_id, 'unit_id', p_unit_id, 'reference_month', p_reference_month,
                                        'injected_kwh', p_injected_kwh::text, 'consumed_kwh', p_consumed_kwh::text,
                                        'compensated_kwh', p_compensated_kwh::text,
                                        'credit_balance_kwh', p_credit_balance_kwh::text) end
$$;
