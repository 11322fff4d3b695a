-- Runs before a scenario (WarehouseScenarioTests, second pass): before each
-- dw.apply_staged, the fact inserts and snapshot reads the scenario staged as
-- jsonb move to pg_temp.stage_facts, typed, as helio apply stages them, so that
-- every scenario also runs through dw._route_staged_facts and
-- dw._fact_typed_round. (The scenario's database is thrown away afterwards.)
alter function dw.apply_staged(jsonb) rename to apply_staged_jsonb;

create function dw.apply_staged(p_config jsonb default '{}'::jsonb) returns jsonb language plpgsql as $$
begin
    perform dw.create_staging();
    with moved as (
        delete from pg_temp.stage_changes s
         where s.source_table in ('energy', 'energy_compensate') and s.op in ('c', 'r') and s.after is not null
           and strpos(s.after::text, '__debezium_unavailable_value') = 0
           and s.commit_lsn is not null   -- Debezium's form is never staged typed (RecordDecoder)
        returning s.*)
    insert into pg_temp.stage_facts (seq, source_table, op, row_id, lsn, commit_lsn, tx_id, commit_ts, kpartition,
                                     device_id, measured_at, energy_kwh, power_kw,
                                     unit_id, reference_month, injected_kwh, consumed_kwh, compensated_kwh,
                                     credit_balance_kwh)
    select m.seq, m.source_table, m.op, m.row_id, m.lsn, m.commit_lsn, m.tx_id, m.commit_ts, m.kpartition,
           (m.after->>'device_id')::bigint, (m.after->>'measured_at')::timestamptz,
           (m.after->>'energy_kwh')::numeric, (m.after->>'power_kw')::numeric,
           (m.after->>'unit_id')::bigint, (m.after->>'reference_month')::date,
           (m.after->>'injected_kwh')::numeric, (m.after->>'consumed_kwh')::numeric,
           (m.after->>'compensated_kwh')::numeric, (m.after->>'credit_balance_kwh')::numeric
      from moved m;
    return dw.apply_staged_jsonb(p_config);
end
$$;
