-- Primary keys of types whose encoding follows decimal.handling.mode and time.precision.mode:
-- a key change carries the key with its Connect schema in the __debezium.newkey/oldkey headers.
-- Loaded for runs of the debezium form only (in Helio's own form these keys are the contract's
-- text, a difference by design that would hide others in the key and partition lines).
CREATE TABLE public.key_types (
    k_num   numeric(10,2),
    k_numv  numeric,
    k_ts    timestamp,
    k_time  time(3),
    k_date  date,
    note    text,
    PRIMARY KEY (k_num, k_numv, k_ts, k_time, k_date)
);

INSERT INTO public.key_types VALUES
 (12.50, 1.5, '2024-03-01 13:45:30.123456', '13:45:30.123', '2024-03-01', 'first'),
 (-0.01, 0, '1970-01-01 00:00:00', '00:00:00', '1970-01-01', 'second');
