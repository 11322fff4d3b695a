-- Rows that exist before the replication slots: both tools publish them as snapshot reads (op r).

INSERT INTO public.users (name, email, document, phone, status)
SELECT 'User ' || i, 'user' || i || '@example.com', '0000000000' || i, '+55 11 9' || lpad(i::text, 8, '0'), 'active'
FROM generate_series(1, 6) AS i;
-- A user whose document is TOASTed (incompressible, ~12 kB): users has REPLICA IDENTITY FULL.
UPDATE public.users SET document = (SELECT string_agg(md5(j::text), '') FROM generate_series(1, 400) AS j) WHERE id = 6;

INSERT INTO public.units (user_id, name, address, city, state, latitude, longitude, installed_power_kwp, tariff_class, utility)
SELECT 1 + (i % 6), 'Unit ' || i, 'Rua ' || i, 'Campinas', 'SP', -22.9 + i / 100.0, -47.06 - i / 100.0, 5.5 + i, 'B1', 'CPFL'
FROM generate_series(1, 4) AS i;

INSERT INTO public.devices (unit_id, serial_number, manufacturer, model, kind, nominal_power_kw, firmware_version, installed_at)
SELECT 1 + (i % 4), 'SN-' || i, 'Fronius', 'Primo', CASE WHEN i % 3 = 0 THEN 'weather_station' ELSE 'inverter' END, 5.000 + i, '1.2.' || i, date '2023-01-01' + i
FROM generate_series(1, 6) AS i;

INSERT INTO public.energy (device_id, measured_at, energy_kwh, power_kw)
SELECT 1 + (i % 6), timestamptz '2024-03-01 00:00:00+00' + i * interval '15 minutes', 1.2345 + i, 4.5 + i / 10.0
FROM generate_series(1, 10) AS i;

INSERT INTO public.energy_compensate (unit_id, reference_month, injected_kwh, consumed_kwh, compensated_kwh, credit_balance_kwh)
VALUES (1, '2024-01-01', 100.5, 80.25, 80.25, 20.25), (2, '2024-01-01', 50, 60, 50, 0);

INSERT INTO public.irradiance (unit_id, device_id, measured_at, irradiance_wm2, module_temp_c, ambient_temp_c)
SELECT 1, 3, timestamptz '2024-03-01 12:00:00+00' + i * interval '15 minutes', 800.5 + i, 45.25, 28.5
FROM generate_series(1, 4) AS i;

INSERT INTO public.all_types VALUES
 (1, 1, 100000, 10000000000, 12345.6789, 123.456, 1.5, 2.25, true, 'plain text', 'varchar value', 'ab',
  '2024-03-01', '13:45:30.123456', '13:45:30.5+03', '2024-03-01 13:45:30.123456', '2024-03-01 13:45:30.38362+00',
  '1 year 2 months 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1, "b": [1, 2]}', '{"b": [1, 2], "a": 1}',
  '\x000102ff', '{1,2,3}', '{"x","y z",NULL}', '{{1,2},{3,4}}', 'happy', 'short'),
 (2, -32768, -2147483648, -9223372036854775808, -0.5, -9999999.999, -3.4e38, -1.7976931348623157e308, false, '', '', '',
  '1970-01-01', '00:00:00', '00:00:00+00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
  '-1 days -00:00:01', '00000000-0000-0000-0000-000000000000', '[]', '{}', '\x', '{}', '{}', '{}', 'sad', NULL),
 (3, 32767, 2147483647, 9223372036854775807, 1e-20, 0.001, 3.14159, 2.718281828459045, true, 'ünïcödé ✓ "quoted" \ back', 'x', 'abcde',
  '0001-01-01', '23:59:59.999999', '23:59:59.999999-11:30', '2999-12-31 23:59:59.999999', '1900-06-15 12:00:00.5+00',
  'PT0S', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', '"string"', '\xdeadbeef', '{-1,0,1}', '{"a,b","c\"d"}', '{{1},{2}}', 'ok', 'x'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 5, 5, 5, 5, 5, 5, 5, true, 'toast row', 'v', 'c', '2024-02-29', '12:00', '12:00+00', '2024-02-29 12:00', '2024-02-29 12:00+00',
  '5 minutes', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15', '{}', '{}', '\x05', '{5}', '{five}', '{{5}}', 'ok',
  (SELECT string_agg(md5(j::text), '') FROM generate_series(1, 400) AS j));

INSERT INTO public.composite_key VALUES ('north', 1, 'first'), ('north', 2, 'second'), ('south', 1, 'third');

INSERT INTO public.more_types (id, c_time3, c_ts3, c_tstz3, c_tstz0, c_num10, c_domain, c_date_edge, c_ts_edge, c_tstz_edge,
                               c_num_array, c_date_array, c_tstz_array, c_uuid_array, c_bool_array, c_float_array, c_interval_array,
                               c_name, c_inet, n_text_plain, n_real_plain, n_bool_plain, n_numv_plain, n_array_plain) VALUES
 (1, '13:45:30.123', '2024-03-01 13:45:30.123', '2024-03-01 13:45:30.123+00', '2024-03-01 13:45:30+00', 1234567890, 12.5,
  'infinity', 'infinity', 'infinity', '{1.5,-2.25,NULL}', '{2024-03-01,1970-01-01}', '{"2024-03-01 13:45:30.5+00"}',
  '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{t,f,NULL}', '{1.5,5,-0.1}', '{"1 day"}', 'a name', '192.168.0.1/24',
  'plain', 1.5, false, 3.14, '{1,2}'),
 (2, '24:00:00', '1970-01-01 00:00:00.001', '1969-12-31 23:59:59.999+00', '1900-01-01 00:00:00+00', -1, 0.01,
  '-infinity', '-infinity', '-infinity', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '', '::1',
  '', 0, true, 0, '{}'),
 (3, '00:00:00', '0044-03-15 12:00:00 BC', '2024-06-30 23:59:59.9995+02', '2024-03-01 13:45:30.6+00', 0, 99999999.99,
  '0044-03-15 BC', '2000-01-01 00:00:00', '2000-01-01 00:00:00+05:30', '{{1.5},{2.5}}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', NULL,
  NULL, NULL, 'x', -1e-7, true, -100, '{0}');

INSERT INTO public.temporal_arrays VALUES
 (1, '{"2024-03-01 13:45:30.123456","1970-01-01 00:00:00",NULL}', '{"2024-03-01 13:45:30.123"}',
  '{13:45:30.123456,00:00:00,NULL}', '{13:45:30.123,24:00:00}', '{2024-03-01,NULL}', '{13:45:30.5+03,00:00:00+00,NULL}'),
 (2, '{}', '{}', '{}', '{}', '{}', '{}'),
 (3, '{"1500-06-01 00:00:00","1582-10-15 00:00:00",infinity,-infinity}', '{"0044-03-15 12:00:00 BC"}',
  '{23:59:59.999999}', '{00:00:00.0005}', '{1500-06-01,"0044-03-15 BC",infinity,-infinity}',
  '{23:59:59.999999-11:30,08:00:00.000001+01,24:00:00+00}');

-- A NULL in NULL-able columns with defaults, read by the snapshots.
UPDATE public.more_types SET o_text = NULL, o_num = NULL WHERE id = 2;
