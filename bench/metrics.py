"""bench/metrics.py: the measuring half of bench/metrics (see there).

Connects with the PG* environment bench/metrics sets up.
"""
import io
import os
import platform

import numpy as np
import psycopg2
import sklearn
from sklearn.metrics import (accuracy_score, mean_absolute_error, mean_squared_error,
                             precision_recall_fscore_support, r2_score, roc_auc_score)

import benchlib

RUNS = int(os.environ.get("RUNS", "3"))
ROWS = int(os.environ.get("ROWS", "1000000"))

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET work_mem = '1GB'")
cur.execute("SET parallel_setup_cost = 0")
cur.execute("SET parallel_tuple_cost = 0")

PGDL = {
    "classification": "SELECT (m).n, (m).accuracy, (m).precision_macro, (m).recall_macro, (m).f1_macro "
                      "FROM (SELECT pgdl.classification_metrics(actual, predicted) AS m FROM m) s",
    "regression": "SELECT (r).n, (r).mse, (r).rmse, (r).mae, (r).r2 "
                  "FROM (SELECT pgdl.regression_metrics(y, yhat) AS r FROM m) s",
    "roc_auc": "SELECT pgdl.roc_auc(lab, score) FROM m",
}

# The same numbers from built-ins.  Classification: one scan grouped by
# (actual, predicted), then per-class counts over the union of labels
# (scikit-learn's classes, zero_division = 0).
SQL = {
    "classification": """
        WITH pc AS (SELECT actual, predicted, count(*) AS k FROM m
                    WHERE actual IS NOT NULL AND predicted IS NOT NULL GROUP BY 1, 2),
        classes AS (SELECT actual AS c FROM pc UNION SELECT predicted FROM pc),
        per AS (SELECT c, coalesce(sum(k) FILTER (WHERE actual = c AND predicted = c), 0) AS tp,
                          coalesce(sum(k) FILTER (WHERE predicted = c), 0) AS pred,
                          coalesce(sum(k) FILTER (WHERE actual = c), 0) AS act
                FROM classes CROSS JOIN pc GROUP BY c)
        SELECT (SELECT sum(k) FROM pc),
               (SELECT (sum(k) FILTER (WHERE actual = predicted) / sum(k))::float8 FROM pc),
               avg(CASE WHEN pred > 0 THEN tp::float8 / pred ELSE 0 END),
               avg(CASE WHEN act > 0 THEN tp::float8 / act ELSE 0 END),
               avg(CASE WHEN act + pred > 0 THEN 2 * tp::float8 / (act + pred) ELSE 0 END)
        FROM per""",
    "regression": """
        SELECT count(*), avg((y - yhat) ^ 2), sqrt(avg((y - yhat) ^ 2)), avg(abs(y - yhat)),
               1 - sum((y - yhat) ^ 2) / (count(*) * var_pop(y))
        FROM m WHERE y IS NOT NULL AND yhat IS NOT NULL""",
    "roc_auc": """
        SELECT (sum(r) FILTER (WHERE lab) - count(*) FILTER (WHERE lab) * (count(*) FILTER (WHERE lab) + 1) / 2.0)
               / (count(*) FILTER (WHERE lab) * count(*) FILTER (WHERE NOT lab))::float8
        FROM (SELECT lab, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r
              FROM m WHERE lab IS NOT NULL AND score IS NOT NULL) s""",
}
# the floor of the classification query: accuracy alone
ACCURACY_ONLY = "SELECT count(*) FILTER (WHERE actual = predicted)::float8 / count(*) FROM m"


def best(fn):
    return benchlib.best(fn, RUNS)


def run(sql, workers):
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    cur.execute(sql)
    return [float(v) for v in cur.fetchone()]


def export():
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT y, yhat, lab::int, score FROM m) TO STDOUT (FORMAT csv)", buf)
    num = np.fromstring(buf.getvalue().replace("\n", ","), sep=",", dtype=np.float64).reshape(-1, 4)
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT actual, predicted FROM m) TO STDOUT", buf)
    # a fixed-width unicode array: scikit-learn finds the classes of one
    # about 10x faster than of an object array (pandas' default)
    labels = np.array([line.split("\t") for line in buf.getvalue().splitlines()], dtype=str)
    return labels[:, 0], labels[:, 1], num[:, 0], num[:, 1], num[:, 2].astype(bool), num[:, 3]


def sk_classification(a, p):
    prec, rec, f1, _ = precision_recall_fscore_support(a, p, average="macro", zero_division=0)
    return [len(a), accuracy_score(a, p), prec, rec, f1]


def sk_regression(y, yhat):
    mse = mean_squared_error(y, yhat)
    return [len(y), mse, np.sqrt(mse), mean_absolute_error(y, yhat), r2_score(y, yhat)]


def sk_auc(lab, score):
    return [roc_auc_score(lab, score)]


print()
print(f"pgdl model metrics vs plain SQL and scikit-learn, {ROWS:,} rows")
print("=" * 60)
print(benchlib.machine(cur))
print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
      f"1 BLAS thread; best of {RUNS} runs, seconds; work_mem 1GB")
t_export, cols = best(export)
a, p, y, yhat, lab, score = cols
print(f"export: COPY the six columns out with psycopg2 and parse with numpy: {t_export:.3f} s")
t_acc, _ = best(lambda: run(ACCURACY_ONLY, 0))
print(f"accuracy alone with count(*) FILTER (a floor for classification): {t_acc:.3f} s")
print()
print(f"{'metric':15} {'pgdl':>7} {'2 wkr':>7} {'SQL':>7} {'sklearn':>8} {'exp+sk':>7} | "
      f"{'SQL/pgdl':>8} {'(exp+sk)/pgdl':>13} {'sk/pgdl':>8} | largest difference (SQL, sklearn)")
SK = {"classification": lambda: sk_classification(a, p),
      "regression": lambda: sk_regression(y, yhat),
      "roc_auc": lambda: sk_auc(lab, score)}
for name in ["classification", "regression", "roc_auc"]:
    t_pg, r_pg = best(lambda: run(PGDL[name], 0))
    t_pg2, r_pg2 = best(lambda: run(PGDL[name], 2))
    t_sql, r_sql = best(lambda: run(SQL[name], 0))
    t_sk, r_sk = best(SK[name])
    d_sql = max(abs(x - y_) for x, y_ in zip(r_pg, r_sql))
    d_sk = max(abs(x - y_) for x, y_ in zip(r_pg, r_sk))
    print(f"{name:15} {t_pg:7.3f} {t_pg2:7.3f} {t_sql:7.3f} {t_sk:8.3f} {t_export + t_sk:7.3f} | "
          f"{t_sql / t_pg:7.2f}x {(t_export + t_sk) / t_pg:12.2f}x {t_sk / t_pg:7.2f}x | {d_sql:.3g}, {d_sk:.3g}")
print()
print("ratios > 1 mean pgdl (serial) is faster; exp+sk = export + scikit-learn, the end-to-end cost of")
print("computing the metric outside the database.  roc_auc: more than 10,000 rows per class, so pgdl's")
print("answer comes from two sketches, within e_pos/P + e_neg/N of the exact AUC (see README).")
