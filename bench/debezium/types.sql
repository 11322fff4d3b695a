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

-- Arrays of dates, times (with and without time zone) and timestamps, with and without a
-- declared precision: their elements follow time.precision.mode as the columns do, and Debezium
-- reads them through JDBC (Julian dates before 1582, times in ms).
CREATE TABLE public.temporal_arrays (
    id              integer PRIMARY KEY,
    c_ts_array      timestamp[],
    c_ts3_array     timestamp(3)[],
    c_time_array    time[],
    c_time3_array   time(3)[],
    c_date_array    date[],
    c_timetz_array  timetz[]
);

CREATE TABLE public.conformance_marker (
    id   integer PRIMARY KEY,
    note text
);

-- Less common column forms: declared time precisions (Debezium's adaptive mode switches units at
-- 3), numeric without fraction, a domain, ±infinity, arrays of other element types, types
-- Debezium has no converter for (name) or no schema for (interval[]), and NOT NULL columns with
-- and without defaults under default replica identity (a delete's `before` has no value for
-- them: Debezium writes the default it can read, else the type's zero).
CREATE DOMAIN public.positive_amount AS numeric(10,2) CHECK (VALUE > 0);

CREATE TABLE public.more_types (
    id                integer PRIMARY KEY,
    c_time3           time(3),
    c_ts3             timestamp(3),
    c_tstz3           timestamptz(3),
    c_tstz0           timestamptz(0),
    c_num10           numeric(10,0),
    c_domain          public.positive_amount,
    c_date_edge       date,
    c_ts_edge         timestamp,
    c_tstz_edge       timestamptz,
    c_num_array       numeric(6,2)[],
    c_date_array      date[],
    c_tstz_array      timestamptz[],
    c_uuid_array      uuid[],
    c_bool_array      boolean[],
    c_float_array     double precision[],
    c_interval_array  interval[],
    c_name            name,
    c_inet            inet,
    n_text            text NOT NULL DEFAULT 'fallback',
    n_int             integer NOT NULL DEFAULT 7,
    n_bool            boolean NOT NULL DEFAULT true,
    n_num             numeric(8,3) NOT NULL DEFAULT 2.5,
    n_numv            numeric NOT NULL DEFAULT 1.50,
    n_date            date NOT NULL DEFAULT '2020-02-02',
    n_ts              timestamp NOT NULL DEFAULT now(),
    n_tstz            timestamptz NOT NULL DEFAULT '2021-03-04 05:06:07+00',
    n_uuid            uuid NOT NULL DEFAULT gen_random_uuid(),
    n_float           double precision NOT NULL DEFAULT 1.25,
    n_bytea           bytea NOT NULL DEFAULT '\x00',
    n_timetz          timetz NOT NULL DEFAULT '12:00+00',
    n_interval        interval NOT NULL DEFAULT '1 hour',
    n_json            jsonb NOT NULL DEFAULT '{}',
    n_mood            public.mood NOT NULL DEFAULT 'ok',
    n_text_plain      text NOT NULL,
    n_real_plain      real NOT NULL,
    n_bool_plain      boolean NOT NULL,
    n_numv_plain      numeric NOT NULL,
    n_array_plain     integer[] NOT NULL,
    -- NULL-able columns with defaults: the Connect schema carries a default for them too.
    o_text            text DEFAULT 'optional',
    o_int             integer DEFAULT 3,
    o_num             numeric(6,2) DEFAULT 1.5,
    o_tstz            timestamptz DEFAULT now()
);
