-- Streamed NaN and ±Infinity (see special-numerics.sql), before workload.sql's marker row.
INSERT INTO public.special_numerics SELECT 10 + id, n, n3, n_array FROM public.special_numerics;
UPDATE public.special_numerics SET n = '-Infinity', n3 = 'NaN' WHERE id = 4;
