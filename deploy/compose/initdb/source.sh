#!/usr/bin/env bash
# Runs once, when the source volume is empty (docker-entrypoint-initdb.d), as postgres:
# the contract's tables, least-privilege roles, capture's password, the publication and
# REPLICA IDENTITY FULL on the dimension tables. Mirrors what deploy/local/stack provisions.
set -euo pipefail
psql_solar=(psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname solar)

"${psql_solar[@]}" -q -f /helio/schemas/source.sql
"${psql_solar[@]}" -q -v part=source -f /helio/schemas/roles.sql
"${psql_solar[@]}" -q -v capture_pw="$(tr -d '\n' </run/secrets/helio_capture_password)" <<'SQL'
ALTER ROLE helio_capture PASSWORD :'capture_pw';
-- The publication capture reads (it would create it itself only as the tables' owner).
CREATE PUBLICATION helio FOR TABLE public.users, public.units, public.devices,
                                   public.energy, public.energy_compensate, public.irradiance;
-- Updates carry the old row, so unchanged TOASTed values can be filled in (contract §2).
ALTER TABLE public.users   REPLICA IDENTITY FULL;
ALTER TABLE public.units   REPLICA IDENTITY FULL;
ALTER TABLE public.devices REPLICA IDENTITY FULL;
SQL
echo "helio: source provisioned"
