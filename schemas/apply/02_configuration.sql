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
