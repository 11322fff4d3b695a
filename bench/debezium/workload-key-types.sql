-- Changes of key_types (key-types.sql), before workload.sql's marker row: a new row, a key
-- change (delete + tombstone + create with the key headers), a delete.
INSERT INTO public.key_types VALUES (99.99, 123.456, '2000-02-29 08:00:00.000001', '23:59:59.999', '2000-02-29', 'third');
UPDATE public.key_types SET k_num = 13.75, k_ts = '2024-03-02 00:00:00.5', k_time = '08:00:00.5' WHERE note = 'first';
DELETE FROM public.key_types WHERE note = 'second';
