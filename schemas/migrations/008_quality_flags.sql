-- Data quality: the flag rules a ledger entry / a reading failed (dw._quality_check).
ALTER TABLE dw.fact_energy ADD COLUMN IF NOT EXISTS quality_flags text[];
ALTER TABLE dw.irradiance_mirror ADD COLUMN IF NOT EXISTS quality_flags text[];
