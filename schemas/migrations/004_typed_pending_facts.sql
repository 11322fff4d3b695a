-- Fact inserts staged typed wait typed for the watermark (dw._route_staged_facts).
ALTER TABLE dw.pending_fact
    ADD COLUMN IF NOT EXISTS typed boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS device_id bigint, ADD COLUMN IF NOT EXISTS measured_at timestamptz,
    ADD COLUMN IF NOT EXISTS energy_kwh numeric, ADD COLUMN IF NOT EXISTS power_kw numeric,
    ADD COLUMN IF NOT EXISTS unit_id bigint, ADD COLUMN IF NOT EXISTS reference_month date,
    ADD COLUMN IF NOT EXISTS injected_kwh numeric, ADD COLUMN IF NOT EXISTS consumed_kwh numeric,
    ADD COLUMN IF NOT EXISTS compensated_kwh numeric, ADD COLUMN IF NOT EXISTS credit_balance_kwh numeric;
