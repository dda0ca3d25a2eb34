-- scripts/demo_features.sql — feature scores and PCA on Fashion-MNIST for the
-- demo (scripts/demo.sh runs it after scripts/demo.sql has loaded
-- fashion_mnist (id, label, pixels real[784])).
\set ON_ERROR_STOP on
\pset pager off
\pset footer off

\echo
\echo '==== pgdl.feature_scores: which pixels tell the ten classes apart (ANOVA F, one scan)'
\timing on
CREATE TEMP TABLE pixel_scores AS
SELECT * FROM pgdl.feature_scores('fashion_mnist', 'label', 'f_classif', ARRAY['pixels']);
\timing off
SELECT feature, round(score::numeric, 1) AS f, p_value, rank FROM pixel_scores ORDER BY rank LIMIT 5;

\echo
\echo '       the 100 best pixels (#) on the 28 x 28 image grid:'
SELECT string_agg(CASE WHEN s.rank <= 100 THEN '#' ELSE '.' END, '' ORDER BY g.c) AS "28 x 28"
FROM (SELECT r, c FROM generate_series(0, 27) r, generate_series(0, 27) c) g
JOIN pixel_scores s ON s.feature = format('pixels[%s]', g.r * 28 + g.c + 1)
GROUP BY g.r ORDER BY g.r;

\echo
\echo '==== pgdl.pca: how much of the variance the first components hold'
\timing on
SELECT component, round(explained_variance_ratio::numeric, 4) AS ratio,
       round(sum(explained_variance_ratio) OVER (ORDER BY component)::numeric, 3) AS cumulative
FROM pgdl.pca('fashion_mnist', 10, ARRAY['pixels']);
\timing off
