-- NaN and ±Infinity in numeric columns, loaded (with types.sql) only for runs whose
-- decimal.handling.mode can carry them (string, double): with Debezium's default precise mode
-- the connector stops on them. A declared scale holds NaN but no infinity. Rows for the snapshot here; workload-special-numerics.sql adds
-- streamed ones.
CREATE TABLE public.special_numerics (
    id        integer PRIMARY KEY,
    n         numeric,
    n3        numeric(10,3),
    n_array   numeric[]
);

INSERT INTO public.special_numerics VALUES
 (1, 'NaN', 'NaN', '{NaN,1.5}'),
 (2, 'Infinity', NULL, '{Infinity,-Infinity}'),
 (3, '-Infinity', -1.5, NULL),
 (4, 123.4500, 2.5, '{0.001}');
