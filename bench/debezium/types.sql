-- Tables of the conformance harness besides the contract's six (schemas/source.sql):
-- one column of each type a user's schema commonly has, a table with a composite key, and
-- the marker table whose row ends the workload. Loaded into a scratch database.

CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');

-- Default replica identity: an update's old row and a delete's `before` carry only the key,
-- and an unchanged TOASTed value arrives as "unchanged" (no old row to fill it from).
CREATE TABLE public.all_types (
    id             integer PRIMARY KEY,
    c_int2         smallint,
    c_int4         integer,
    c_int8         bigint,
    c_numeric      numeric,
    c_numeric_10_3 numeric(10,3),
    c_float4       real,
    c_float8       double precision,
    c_bool         boolean,
    c_text         text,
    c_varchar      varchar(40),
    c_char         char(5),
    c_date         date,
    c_time         time,
    c_timetz       timetz,
    c_timestamp    timestamp,
    c_timestamptz  timestamptz,
    c_interval     interval,
    c_uuid         uuid,
    c_json         json,
    c_jsonb        jsonb,
    c_bytea        bytea,
    c_int_array    integer[],
    c_text_array   text[],
    c_int_matrix   integer[],      -- holds a two-dimensional array
    c_enum         public.mood,
    c_big          text            -- TOASTed (stored out of line) in some rows
);

CREATE TABLE public.composite_key (
    region text,
    seq    integer,
    note   text,
    PRIMARY KEY (region, seq)
);

CREATE TABLE public.conformance_marker (
    id   integer PRIMARY KEY,
    note text
);
