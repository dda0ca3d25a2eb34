#!/usr/bin/env bash
# bench/parallel_training.sh: data-parallel training (the option
# "parallel_workers") against serial training on the same table, per epoch
# and in accuracy at equal epochs.  Results: docs/benchmarks.md.
#
# A HIGGS-shaped table: ROWS rows of 28 float8 features in [-1, 1] and a
# binary label from a fixed nonlinear rule of 11 of them with uniform noise,
# so about 94-95% accuracy is reachable.  Runs against the database psql
# connects to (PGHOST, PGPORT, PGDATABASE); needs pgdl installed there.
#
#   ROWS=300000 EPOCHS=3 RUNS=2 bash bench/parallel_training.sh
set -euo pipefail
ROWS=${ROWS:-300000}
EPOCHS=${EPOCHS:-3}
RUNS=${RUNS:-2}
LAYERS=${LAYERS:-'[{"type":"dense","units":128,"activation":"relu"},{"type":"dense","units":64,"activation":"relu"}]'}

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS pgdl;
DROP TABLE IF EXISTS bench_higgs;
SELECT setseed(0.42);
CREATE TABLE bench_higgs AS
SELECT i AS id, x,
       ((x[1] * x[2] + sin(3 * x[3]) + x[4] * x[5] - x[6] + 0.5 * x[7] * x[8]
         + tanh(x[9] + x[10] - x[11]) + 0.3 * (random() * 2 - 1)) > 0)::int AS y
FROM (SELECT i, array(SELECT random() * 2 - 1 + 0 * i FROM generate_series(1, 28)) AS x
      FROM generate_series(1, $ROWS) i) s;
VACUUM ANALYZE bench_higgs;
SQL

for run in $(seq "$RUNS"); do
	for pw in 0 2; do
		psql -X -q -v ON_ERROR_STOP=1 -At -F ' | ' <<SQL
SET client_min_messages = warning;
CREATE TEMP TABLE r AS
SELECT * FROM pgdl.train_model('bench_par_$pw', 'bench_higgs', 'y', '$LAYERS', NULL,
                               '{"epochs": $EPOCHS, "parallel_workers": $pw}');
SELECT 'run $run', r.data, round(avg(h.seconds)::numeric, 2) || ' s/epoch',
       'validation accuracy ' || round(r.validation_metric::numeric, 4)
FROM r JOIN pgdl.training_history h ON h.name = r.model AND h.version = r.version
GROUP BY r.data, r.validation_metric;
SQL
	done
done
psql -X -q -c "SELECT pgdl.drop_model('bench_par_0'), pgdl.drop_model('bench_par_2')" >/dev/null
