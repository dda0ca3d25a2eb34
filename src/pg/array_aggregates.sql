-- src/pg/array_aggregates.sql: the array aggregates of stats.sql and
-- scalers.sql again, over each numeric array type (see the README, "Citus").
--
-- Citus runs an aggregate on its workers (worker_partial_agg) only when the
-- type of the argument it is called with equals the declared one, which an
-- anyarray argument never does.  A call with a float8[], real[], numeric[]
-- (ARRAY[1.5, 2], ARRAY[int_col, numeric_col]), int8[], int4[], int2[] or
-- bool[] argument matches one of these overloads exactly, so it resolves
-- without a cast and distributes; the anyarray declarations still take every
-- other array type, whose call is 42804 naming the type.  The transition
-- functions are the anyarray ones: they read the element type from the array.
DO $$
DECLARE
	agg record;
	elem text;
BEGIN
	FOR agg IN SELECT * FROM (VALUES
		('stats', 'pgdl.stats_vector_accum', 'pgdl.stats_vector_final', '', ''),
		('covariance_matrix', 'pgdl.comoments_accum', 'pgdl.covariance_final', '', ''),
		('correlation_matrix', 'pgdl.comoments_accum', 'pgdl.correlation_final', '', ''),
		('standard_scaler', 'pgdl.standard_scaler_accum', 'pgdl.scaler_final', '', ''),
		('minmax_scaler', 'pgdl.minmax_scaler_accum', 'pgdl.scaler_final', '', ''),
		('maxabs_scaler', 'pgdl.maxabs_scaler_accum', 'pgdl.scaler_final', '', ''),
		('robust_scaler', 'pgdl.robust_scaler_accum', 'pgdl.scaler_final', '', ''),
		('imputer', 'pgdl.imputer_accum', 'pgdl.scaler_final', ', strategy text', ', text')
	) AS a(name, sfunc, finalfunc, more_args, more_types)
	LOOP
		FOREACH elem IN ARRAY ARRAY['float8', 'real', 'numeric', 'int8', 'int4', 'int2', 'bool']
		LOOP
			EXECUTE pg_catalog.format(
				'CREATE AGGREGATE pgdl.%I(x %s[]%s) (SFUNC = %s, STYPE = pgdl.aggstate, '
				'COMBINEFUNC = pgdl.aggstate_combine, FINALFUNC = %s, PARALLEL = SAFE)',
				agg.name, elem, agg.more_args, agg.sfunc, agg.finalfunc);
			EXECUTE pg_catalog.format('COMMENT ON AGGREGATE pgdl.%I(%s[]%s) IS %L',
				agg.name, elem, agg.more_types,
				pg_catalog.obj_description(pg_catalog.to_regprocedure(
					pg_catalog.format('pgdl.%I(anyarray%s)', agg.name, agg.more_types)), 'pg_proc'));
		END LOOP;
	END LOOP;
END
$$;

-- pgdl.stats_columns(a, b, c) over columns that convert to float8 (integers,
-- numeric, real, float8): one declaration per number of columns, 1 to 99 (a
-- function takes at most 100 arguments, the state included), so that Citus
-- sees concrete argument types.  Not VARIADIC float8[]: building an array per
-- row made stats_columns half again as slow.  The VARIADIC "any" declaration
-- in stats.sql still takes bool and other columns.
DO $$
DECLARE
	args text;
BEGIN
	FOR k IN 1..99 LOOP
		args := pg_catalog.array_to_string(pg_catalog.array_fill('float8'::text, ARRAY[k]), ', ');
		EXECUTE pg_catalog.format(
			'CREATE FUNCTION pgdl.stats_columns_float8_accum(pgdl.aggstate, %s) RETURNS pgdl.aggstate '
			'AS %L, %L LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE',
			args, 'MODULE_PATHNAME', 'pgdl_stats_columns_float8_accum');
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION pgdl.stats_columns_float8_accum(pgdl.aggstate, %s) IS %L',
			args, 'transition function of pgdl.stats_columns over float8 columns');
		EXECUTE pg_catalog.format(
			'CREATE AGGREGATE pgdl.stats_columns(%s) (SFUNC = pgdl.stats_columns_float8_accum, '
			'STYPE = pgdl.aggstate, COMBINEFUNC = pgdl.aggstate_combine, '
			'FINALFUNC = pgdl.stats_vector_final, PARALLEL = SAFE)', args);
		EXECUTE pg_catalog.format('COMMENT ON AGGREGATE pgdl.stats_columns(%s) IS %L', args,
			'pgdl.stats over numeric columns given directly: pgdl.stats_columns(a, b, c)');
	END LOOP;
END
$$;
