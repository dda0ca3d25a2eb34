-- test/pgtap/sequence_masks.sql: an embedding's "mask_zero" through
-- train_model and predict.  Token sequences of 3 to 12 ids, padded with 0 to
-- 20 before or after them; each model that reads sequences (pooling, lstm,
-- gru both ways, attention, a transformer with positions) predicts the same
-- for a sequence however it is padded, and without mask_zero it does not.
-- Masked models are stored in format version 2, the others stay in 1.
-- Rolled back at the end.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS pgdl;
SELECT plan(23);

-- does token 7 occur?  Lengths 3 to 12, half padded before, half after
CREATE TEMP TABLE seqs AS
SELECT id, CASE WHEN id % 2 = 0 THEN array_cat(array_fill(0, ARRAY[20 - len]), toks)
				ELSE array_cat(toks, array_fill(0, ARRAY[20 - len])) END AS toks,
	   7 = ANY (toks) AS has_seven
FROM (SELECT id, len,
			 (SELECT array_agg(CASE WHEN id % 3 = 0 AND t = id % len THEN 7
									ELSE 1 + (id * 7 + t * 5 + id / 11) % 6 END ORDER BY t)
			  FROM generate_series(0, len - 1) t) AS toks
	  FROM (SELECT id, 3 + id % 10 AS len FROM generate_series(1, 300) id) l) s;

-- the same tokens padded three ways: before, after, and around
CREATE TEMP TABLE probes AS
SELECT p, array_cat(array_fill(0, ARRAY[20 - cardinality(t)]), t) AS pre,
	   array_cat(t, array_fill(0, ARRAY[20 - cardinality(t)])) AS post,
	   array_cat(array_cat(array_fill(0, ARRAY[3]), t), array_fill(0, ARRAY[17 - cardinality(t)])) AS around
FROM (VALUES (1, ARRAY[3, 7, 2]), (2, ARRAY[1, 2, 3, 4, 5, 6, 1, 2]), (3, ARRAY[5, 5, 5, 5, 5, 7, 5, 5, 5, 5, 5, 5])) v(p, t);

CREATE FUNCTION pg_temp.train(name text, layers text) RETURNS int LANGUAGE sql AS $$
	SELECT version FROM pgdl.train_model(name, 'SELECT * FROM seqs ORDER BY id', 'has_seven',
		layers::jsonb, ARRAY['toks'], '{"epochs":4,"batch_size":32,"learning_rate":0.01,"seed":3}')
$$;
-- the largest difference between the probabilities of the three paddings
CREATE FUNCTION pg_temp.spread(name text) RETURNS float8 LANGUAGE sql AS $$
	SELECT max(greatest(abs(a[2] - b[2]), abs(a[2] - c[2])))
	FROM (SELECT pgdl.predict_proba(name, pre::float8[]) a, pgdl.predict_proba(name, post::float8[]) b,
				 pgdl.predict_proba(name, around::float8[]) c FROM probes) s
$$;

SELECT is(pg_temp.train(name, '[{"type":"embedding","input_dim":8,"output_dim":6' || mask || '},' || layers || ']'), 1,
		  'trains an embedding ' || CASE WHEN mask = '' THEN 'without' ELSE 'with' END || ' mask_zero and ' || layers)
FROM (VALUES (1, 'm_pool', ',"mask_zero":true', '{"type":"global_avgpool"}'),
			 (2, 'm_lstm', ',"mask_zero":true', '{"type":"lstm","units":5}'),
			 (3, 'm_gru', ',"mask_zero":true', '{"type":"gru","units":4,"bidirectional":true}'),
			 (4, 'm_att', ',"mask_zero":true', '{"type":"attention","heads":2},{"type":"global_avgpool"}'),
			 (5, 'm_tf', ',"mask_zero":true', '{"type":"positional_encoding"},{"type":"transformer_encoder","heads":2,"ff_dim":8},{"type":"global_avgpool"}'),
			 (6, 'u_pool', '', '{"type":"global_avgpool"}'),
			 (7, 'u_lstm', '', '{"type":"lstm","units":5}')) v(k, name, mask, layers)
ORDER BY k;

SELECT cmp_ok(pg_temp.spread('m_pool'), '<=', 1e-6::float8, 'global_avgpool: the same prediction padded before, after or around');
SELECT cmp_ok(pg_temp.spread('m_lstm'), '<=', 1e-6::float8, 'lstm: the same prediction however padded');
SELECT cmp_ok(pg_temp.spread('m_gru'), '<=', 1e-6::float8, 'bidirectional gru: the same prediction however padded');
SELECT cmp_ok(pg_temp.spread('m_att'), '<=', 1e-6::float8, 'attention: the same prediction however padded');
SELECT cmp_ok(pg_temp.spread('m_tf'), '<=', 1e-6::float8, 'transformer_encoder with positions: the same prediction however padded');
-- the masked average of the real steps: a sequence and the sequence twice are one mean
SELECT cmp_ok((SELECT max(abs((pgdl.predict_proba(name, array_cat(array_fill(0, ARRAY[17]), ARRAY[3, 7, 2])))[2] -
							  (pgdl.predict_proba(name, array_cat(array_fill(0, ARRAY[14]), ARRAY[3, 7, 2, 3, 7, 2])))[2]))
			   FROM (VALUES ('m_pool')) v(name)), '<=', 1e-6::float8,
			  'global_avgpool averages the real steps only');
SELECT cmp_ok((SELECT max(abs((pgdl.predict_proba(name, array_cat(array_fill(0, ARRAY[17]), ARRAY[3, 7, 2])))[2] -
							  (pgdl.predict_proba(name, array_cat(array_fill(0, ARRAY[14]), ARRAY[3, 7, 2, 3, 7, 2])))[2]))
			   FROM (VALUES ('u_pool')) v(name)), '>', 1e-4::float8,
			  'without mask_zero the padding counts in global_avgpool''s average');
SELECT cmp_ok(pg_temp.spread('u_lstm'), '>', 1e-4::float8, 'and the lstm''s');

-- an all-padding row is a valid input: the masked pool gives zeros, so the output is the bias alone
SELECT ok(pgdl.predict_proba('m_pool', array_fill(0, ARRAY[20])::float8[]) IS NOT NULL, 'a row of padding only predicts');

SELECT is(pgdl.model_info('m_lstm')->'layers'->0->>'mask_zero', 'true', 'model_info shows mask_zero');
SELECT ok(NOT (pgdl.model_info('u_lstm')->'layers'->0 ? 'mask_zero'), 'and leaves it out when false, as before');
SELECT is(get_byte(pgdl.export_model('m_lstm'), 8), 2, 'a masked model is format version 2');
SELECT is(get_byte(pgdl.export_model('u_lstm'), 8), 1, 'an unmasked one stays in version 1, which pgdl 0.1.0 reads');
SELECT is(pgdl.import_model('m_lstm_copy', pgdl.export_model('m_lstm')), 1, 'a masked model imports');
SELECT is(pg_temp.spread('m_lstm_copy'), pg_temp.spread('m_lstm'), 'and keeps its mask');
SELECT is((SELECT array_agg(pgdl.predict_proba('m_lstm_copy', post::float8[]) ORDER BY p) FROM probes),
		  (SELECT array_agg(pgdl.predict_proba('m_lstm', post::float8[]) ORDER BY p) FROM probes),
		  'and predicts as the original');

SELECT * FROM finish();
ROLLBACK;
