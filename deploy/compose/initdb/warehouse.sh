#!/usr/bin/env bash
# Runs once, when the warehouse volume is empty, as postgres: roles (helio_writer owns
# schema dw; helio_analyst reads it) and their passwords. helio apply creates the tables and
# functions itself on start (embedded migrations), as helio_writer.
set -euo pipefail
psql_wh=(psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname warehouse)

"${psql_wh[@]}" -q -v part=warehouse -f /helio/schemas/roles.sql
"${psql_wh[@]}" -q -v writer_pw="$(tr -d '\n' </run/secrets/helio_writer_password)" \
                   -v analyst_pw="$(tr -d '\n' </run/secrets/helio_analyst_password)" <<'SQL'
ALTER ROLE helio_writer  PASSWORD :'writer_pw';
ALTER ROLE helio_analyst PASSWORD :'analyst_pw';
SQL
echo "helio: warehouse provisioned"
