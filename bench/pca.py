"""bench/pca.py: the measuring half of bench/pca (see there).

Connects with the PG* environment bench/pca sets up.
"""
import io
import os
import platform

import numpy as np
import psycopg2
import sklearn
from sklearn.decomposition import PCA

import benchlib

RUNS = int(os.environ.get("RUNS", "3"))
K = 50

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET pgdl.blas_threads = 1")
cur.execute("SET client_min_messages = warning")


def best(fn):
    return benchlib.best(fn, RUNS)


def pgdl_pca():
    cur.execute(f"SELECT explained_variance, explained_variance_ratio, loadings "
                f"FROM pgdl.pca('fashion_mnist', {K}, ARRAY['pixels']) ORDER BY component")
    rows = cur.fetchall()
    return (np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
            np.array([r[2] for r in rows]))


def read_only():
    cur.execute("SELECT sum(pg_catalog.array_length(pixels, 1)) FROM fashion_mnist")
    return cur.fetchone()[0]


def comoments_aggregate():
    cur.execute("SELECT pg_catalog.length(pgdl.comoments_state(pixels)::text) FROM fashion_mnist")
    return cur.fetchone()[0]


def export():
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT pixels FROM fashion_mnist ORDER BY id) TO STDOUT", buf)
    text = buf.getvalue().replace("{", "").replace("}\n", ",")
    return np.fromstring(text, sep=",", dtype=np.float64).reshape(-1, 784)


def sk_pca(X, solver):
    kw = {"random_state": 0} if solver == "randomized" else {}
    return PCA(n_components=K, svd_solver=solver, **kw).fit(X)


print()
print(f"pgdl.pca vs scikit-learn PCA, {K} components, Fashion-MNIST training set (60,000 x 784)")
print("=" * 88)
print(benchlib.machine(cur))
print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
      f"1 BLAS thread on both sides; best of {RUNS} runs, seconds")
t_read, _ = best(read_only)
t_pgdl, (ev, ratio, comp) = best(pgdl_pca)
t_export, X = best(export)
t_full, full = best(lambda: sk_pca(X, "full"))
t_rand, rand = best(lambda: sk_pca(X, "randomized"))
t_agg, _ = benchlib.best(comoments_aggregate, 1)
print(f"pgdl: reading the table alone (sum of array lengths): {t_read:.3f} s")
print(f"pgdl: the co-moment aggregate pgdl.comoments_state(pixels), serial, one run: {t_agg:.3f} s "
      f"(the path pgdl.pca does not take)")
print(f"export: COPY the pixels out and parse with numpy:     {t_export:.3f} s")
print()
print(f"{'method':34} {'seconds':>8} {'export+fit':>11} {'pgdl / this':>12} {'ratio sum':>12}")
print(f"{'pgdl.pca (in the database)':34} {t_pgdl:8.3f} {'':>11} {1.0:12.2f} {ratio.sum():12.9f}")
for name, t, m in [("sklearn PCA svd_solver='full'", t_full, full),
                   ("sklearn PCA svd_solver='randomized'", t_rand, rand)]:
    print(f"{name:34} {t:8.3f} {t_export + t:11.3f} {t_pgdl / t:12.2f} {m.explained_variance_ratio_.sum():12.9f}")
print()
print(f"pgdl end to end / sklearn full compute alone:      {t_pgdl / t_full:.2f}")
print(f"pgdl end to end / sklearn full export + compute:   {t_pgdl / (t_export + t_full):.2f}")
print(f"pgdl end to end / sklearn randomized compute alone: {t_pgdl / t_rand:.2f}")
d_sum = abs(ratio.sum() - full.explained_variance_ratio_.sum())
d_ev = np.max(np.abs(ev - full.explained_variance_) / full.explained_variance_)
dots = np.abs(np.sum(comp * full.components_, axis=1))
print(f"agreement with svd_solver='full': ratio sum |diff| {d_sum:.2e}, explained variance max rel diff "
      f"{d_ev:.2e}, components |cos| min {dots.min():.9f} (first 45: {dots[:45].min():.9f})")
d_sum_r = abs(rand.explained_variance_ratio_.sum() - full.explained_variance_ratio_.sum())
print(f"randomized vs full: ratio sum |diff| {d_sum_r:.2e}")
