-- Least-privilege roles for Helio. Idempotent; load it once per database, as a superuser,
-- with psql and the variable `part` telling which database this is:
--
--   psql -v part=source    -d solar     -f schemas/roles.sql   (after schemas/source.sql)
--   psql -v part=warehouse -d warehouse -f schemas/roles.sql
--
-- Roles are cluster-wide, so both parts create them; grants live in one database each,
-- so each part grants only what belongs to its database. Passwords are not set here:
-- deploy/local/stack generates them into .local/secrets/ and sets them with ALTER ROLE.
--
--   helio_capture  LOGIN REPLICATION; reads the six published source tables, nothing else.
--   helio_writer   LOGIN; owns schema dw in the warehouse and may create other schemas
--                  there (a rebuild loads a new schema and swaps it in), nothing else.
--   helio_analyst  LOGIN; reads what helio_writer creates in the warehouse, read-only.
\set ON_ERROR_STOP on

\if :{?part}
\else
DO $$ BEGIN RAISE EXCEPTION 'schemas/roles.sql needs psql -v part=source or -v part=warehouse'; END $$;
\endif

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'helio_capture') THEN
        CREATE ROLE helio_capture;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'helio_writer') THEN
        CREATE ROLE helio_writer;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'helio_analyst') THEN
        CREATE ROLE helio_analyst;
    END IF;
END $$;

-- State every attribute, so that a role that existed with more power is brought back down.
ALTER ROLE helio_capture LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
ALTER ROLE helio_writer  LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
ALTER ROLE helio_analyst LOGIN NOREPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;

SELECT :'part' = 'source' AS is_source, :'part' = 'warehouse' AS is_warehouse \gset

\if :is_source
-- Source database: only capture connects. PUBLIC loses the default CONNECT and TEMP.
REVOKE CONNECT, TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO helio_capture;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO helio_capture;
-- Drop anything granted earlier, then grant exactly SELECT on the published tables
-- (capture reads them for the initial snapshot; the stream itself needs REPLICATION).
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM helio_capture;
GRANT SELECT ON public.users, public.units, public.devices,
                public.energy, public.energy_compensate, public.irradiance
    TO helio_capture;
-- Capture may write markers into the WAL (heartbeats on idle tables, snapshot watermarks).
-- Logical messages carry Helio's heartbeats and snapshot requests: only capture may write
-- them (PostgreSQL grants them to PUBLIC by default).
REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text)  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text)  TO helio_capture;
GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, bytea) TO helio_capture;

\elif :is_warehouse
-- Warehouse database: the writer and the analyst connect; only the writer creates.
REVOKE CONNECT, TEMPORARY ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT, TEMPORARY, CREATE ON DATABASE :"DBNAME" TO helio_writer;
GRANT CONNECT ON DATABASE :"DBNAME" TO helio_analyst;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS dw AUTHORIZATION helio_writer;
ALTER SCHEMA dw OWNER TO helio_writer;
GRANT USAGE ON SCHEMA dw TO helio_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA dw TO helio_analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE helio_writer IN SCHEMA dw GRANT SELECT ON TABLES TO helio_analyst;
-- A rebuild creates a new schema and renames it to dw: grant on whatever the writer
-- creates, not only on what it creates inside dw, so the analyst keeps reading after a swap.
ALTER DEFAULT PRIVILEGES FOR ROLE helio_writer GRANT USAGE ON SCHEMAS TO helio_analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE helio_writer GRANT SELECT ON TABLES TO helio_analyst;
-- A second fence besides the missing grants: the analyst's sessions start read-only.
ALTER ROLE helio_analyst IN DATABASE :"DBNAME" SET default_transaction_read_only = on;

\else
DO $$ BEGIN RAISE EXCEPTION 'schemas/roles.sql: part must be source or warehouse'; END $$;
\endif
