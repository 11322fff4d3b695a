-- Changes made after both slots exist and their snapshots are published; both tools then read
-- them from their slots over the same WAL range. Each block is one source transaction.

-- Inserts into several tables in one transaction.
BEGIN;
INSERT INTO public.users (name, email, document, phone) VALUES ('New User', 'new@example.com', '12345678901', '+55 19 99999-0000');
INSERT INTO public.units (user_id, name, city, state, installed_power_kwp) VALUES (7, 'New Unit', 'Sorocaba', 'SP', 7.125);
INSERT INTO public.devices (unit_id, serial_number, kind, nominal_power_kw, installed_at) VALUES (5, 'SN-NEW', 'meter', 3.5, '2024-04-01');
INSERT INTO public.energy (device_id, measured_at, energy_kwh, power_kw) VALUES (7, '2024-04-01 10:00:00+00', 0.5, 2.0);
INSERT INTO public.irradiance (unit_id, device_id, measured_at, irradiance_wm2) VALUES (5, NULL, '2024-04-01 10:00:00+00', 612.25);
COMMIT;

-- New rows of every column type, then updates of every column.
INSERT INTO public.all_types
SELECT 10 + id, c_int2, c_int4, c_int8, c_numeric, c_numeric_10_3, c_float4, c_float8, c_bool, c_text, c_varchar, c_char,
       c_date, c_time, c_timetz, c_timestamp, c_timestamptz, c_interval, c_uuid, c_json, c_jsonb, c_bytea,
       c_int_array, c_text_array, c_int_matrix, c_enum, c_big
FROM public.all_types WHERE id <= 4;

UPDATE public.all_types SET
    c_int2 = 2, c_int4 = 200, c_int8 = 20000000000, c_numeric = 0.000001, c_numeric_10_3 = 1.5, c_float4 = 0.1, c_float8 = 0.1,
    c_bool = false, c_text = 'updated', c_varchar = 'updated', c_char = 'z', c_date = '2000-02-29', c_time = '08:00:00.5',
    c_timetz = '08:00:00.000001+01', c_timestamp = '2000-02-29 08:00:00.000001', c_timestamptz = '2000-02-29 08:00:00.100000+00',
    c_interval = '3 hours 15 minutes', c_uuid = 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', c_json = '{"updated": true}',
    c_jsonb = '{"updated": true, "n": 1.50}', c_bytea = '\xcafe', c_int_array = '{7,8,9}', c_text_array = '{updated}',
    c_int_matrix = '{{9,8},{7,6}}', c_enum = 'sad'
WHERE id = 1;

-- An update that leaves the TOASTed c_big unchanged (default replica identity: no old row).
UPDATE public.all_types SET c_int4 = c_int4 + 1 WHERE id = 5;
-- The same on a REPLICA IDENTITY FULL table: the old row carries the TOASTed document.
UPDATE public.users SET status = 'suspended', updated_at = '2024-04-02 00:00:00+00' WHERE id = 6;
-- An update to NULL and from NULL.
UPDATE public.all_types SET c_text = NULL, c_int4 = NULL WHERE id = 2;
UPDATE public.all_types SET c_text = 'was null', c_date = '2024-01-01' WHERE id = 4;

-- Deletes: default replica identity (before carries the key) and FULL (before is the row).
DELETE FROM public.all_types WHERE id = 14;
DELETE FROM public.energy_compensate WHERE unit_id = 2;
BEGIN;
DELETE FROM public.energy WHERE device_id = (SELECT id FROM public.devices WHERE serial_number = 'SN-NEW');
DELETE FROM public.devices WHERE serial_number = 'SN-NEW';
COMMIT;

-- The less common column forms: new rows, an update, a delete (default replica identity: the
-- NOT NULL columns of its `before` have no value), a primary-key change.
INSERT INTO public.more_types SELECT 10 + id, c_time3, c_ts3, c_tstz3, c_tstz0, c_num10, c_domain, c_date_edge, c_ts_edge, c_tstz_edge,
       c_num_array, c_date_array, c_tstz_array, c_uuid_array, c_bool_array, c_float_array, c_interval_array, c_name, c_inet,
       n_text, n_int, n_bool, n_num, n_numv, n_date, n_ts, n_tstz, n_uuid, n_float, n_bytea, n_timetz, n_interval, n_json, n_mood,
       n_text_plain, n_real_plain, n_bool_plain, n_numv_plain, n_array_plain
FROM public.more_types;
UPDATE public.more_types SET c_time3 = '08:00:00.5', c_num10 = 42, n_numv = 0.000, n_text = 'changed' WHERE id = 11;
-- Explicit NULLs in NULL-able columns with defaults (Debezium's JsonConverter writes the default instead).
UPDATE public.more_types SET o_text = NULL, o_int = NULL, o_num = NULL, o_tstz = NULL WHERE id = 1;
DELETE FROM public.more_types WHERE id = 12;
UPDATE public.more_types SET id = 113 WHERE id = 13;
INSERT INTO public.temporal_arrays SELECT 10 + id, c_ts_array, c_ts3_array, c_time_array, c_time3_array, c_date_array, c_timetz_array FROM public.temporal_arrays;
UPDATE public.temporal_arrays SET c_ts_array = '{"2000-02-29 08:00:00.000001"}', c_time3_array = '{00:00:00.001}' WHERE id = 1;

-- Primary-key changes.
UPDATE public.all_types SET id = 103 WHERE id = 3;
UPDATE public.composite_key SET seq = 20 WHERE region = 'north' AND seq = 2;

-- Insert, update and delete of one row inside one transaction.
BEGIN;
INSERT INTO public.composite_key VALUES ('east', 1, 'short-lived');
UPDATE public.composite_key SET note = 'changed' WHERE region = 'east' AND seq = 1;
DELETE FROM public.composite_key WHERE region = 'east' AND seq = 1;
COMMIT;

-- A transactional logical decoding message beside a change.
BEGIN;
SELECT pg_logical_emit_message(true, 'conformance', 'hello from the workload');
INSERT INTO public.composite_key VALUES ('west', 1, 'with a message');
COMMIT;

-- A non-transactional logical decoding message (no transaction; Debezium counts it as a commit).
SELECT pg_logical_emit_message(false, 'conformance-nontx', 'outside any transaction');

-- A truncate (Debezium skips truncates by default: skipped.operations=t).
TRUNCATE public.energy;

-- A large transaction: streamed to Helio while in progress (capture's decoding_work_mem is
-- 64kB in the harness); Debezium's pgoutput protocol 1 receives it at commit.
-- It also holds a primary-key change and a logical decoding message, which Helio spools as they
-- came and publishes at commit.
BEGIN;
INSERT INTO public.energy (device_id, measured_at, energy_kwh, power_kw)
SELECT 1 + (i % 6), timestamptz '2024-05-01 00:00:00+00' + i * interval '1 minute', i / 1000.0, i % 100
FROM generate_series(1, 3000) AS i;
UPDATE public.energy SET power_kw = power_kw + 1 WHERE measured_at < timestamptz '2024-05-01 00:10:00+00';
UPDATE public.composite_key SET seq = 30 WHERE region = 'south' AND seq = 1;
SELECT pg_logical_emit_message(true, 'conformance-streamed', 'inside a streamed transaction');
COMMIT;

-- The last transaction: the harness waits for this row in both tools' topics.
INSERT INTO public.conformance_marker VALUES (1, 'end of workload');
