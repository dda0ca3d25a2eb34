"""bench/scalers.py: the measuring half of bench/scalers (see there).

Connects with the PG* environment bench/scalers sets up.
"""
import io
import json
import os
import platform

import numpy as np
import psycopg2
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

import benchlib

RUNS = int(os.environ.get("RUNS", "3"))
KINDS = [("standard", StandardScaler), ("minmax", MinMaxScaler), ("robust", RobustScaler)]

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()


def best(fn):
    return benchlib.best(fn, RUNS)


def pgdl_fit(kind, workers):
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    cur.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0")
    cur.execute(f"SELECT pgdl.{kind}_scaler(pixels)::text FROM fashion_mnist")
    return json.loads(cur.fetchone()[0])


def pgdl_fit_transform(kind):
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("DROP TABLE IF EXISTS scaled")
    cur.execute(f"""CREATE TEMP TABLE scaled AS
                    WITH s AS (SELECT pgdl.{kind}_scaler(pixels) AS s FROM fashion_mnist)
                    SELECT id, pgdl.transform(s.s, pixels) AS x FROM fashion_mnist, s""")


def export():
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT pixels FROM fashion_mnist ORDER BY id) TO STDOUT", buf)
    text = buf.getvalue().replace("{", "").replace("}\n", ",")
    return np.fromstring(text, sep=",", dtype=np.float64).reshape(-1, 784)


def sklearn_fit(cls, X):
    return cls().fit(X)


def sklearn_fit_transform(cls, X):
    return cls().fit_transform(X)


print()
print("pgdl scalers vs scikit-learn, Fashion-MNIST training set (60,000 x 784)")
print("=======================================================================")
print(benchlib.machine(cur))
import sklearn
print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
      f"1 BLAS thread; best of {RUNS} runs, seconds")
t_export, X = best(export)
print(f"export: COPY the pixels out and parse with numpy: {t_export:.3f} s")
print()
print(f"{'scaler':9} {'pgdl fit':>9} {'fit 2wkr':>9} {'fit+transform':>14} | {'sk fit':>8} {'sk fit+tr':>10} "
      f"{'export+sk fit':>14} | {'end-to-end ratio':>16} {'same params':>11}")
diffs = {}
for kind, cls in KINDS:
    t_fit, fitted = best(lambda: pgdl_fit(kind, 0))
    t_fit2, _ = best(lambda: pgdl_fit(kind, 2))
    t_ft, _ = best(lambda: pgdl_fit_transform(kind))
    t_sk, sk = best(lambda: sklearn_fit(cls, X))
    t_skt, _ = best(lambda: sklearn_fit_transform(cls, X))
    if kind == "standard":
        ref_c, ref_s = sk.mean_, sk.scale_
    elif kind == "minmax":
        ref_c, ref_s = sk.data_min_, sk.data_range_
        ref_s = np.where(ref_s == 0, 1, ref_s)
    else:
        ref_c, ref_s = sk.center_, sk.scale_
    same = np.allclose(fitted["center"], ref_c, rtol=1e-9, atol=1e-9) and \
        np.allclose(fitted["scale"], ref_s, rtol=1e-9, atol=1e-9)
    diffs[kind] = (np.max(np.abs(np.array(fitted["center"], dtype=float) - ref_c)),
                   np.max(np.abs(np.array(fitted["scale"], dtype=float) - ref_s)))
    ratio = (t_export + t_sk) / t_fit
    print(f"{kind:9} {t_fit:9.3f} {t_fit2:9.3f} {t_ft:14.3f} | {t_sk:8.3f} {t_skt:10.3f} "
          f"{t_export + t_sk:14.3f} | {ratio:15.2f}x {str(same):>11}")
print()
for kind, (dc, ds) in diffs.items():
    note = " (quantile sketch beyond 10,000 rows: rank error <= 0.5% of n)" if kind == "robust" else ""
    print(f"{kind}: largest difference from scikit-learn: center {dc:.3g}, scale {ds:.3g}{note}")
print()
print("end-to-end ratio = (export + sklearn fit) / pgdl fit, serial: > 1 means pgdl is faster.")
print("pgdl fit+transform also writes the 60,000 scaled rows into a table; sklearn's stays in memory.")
