"""bench/features.py: the measuring half of bench/features (see there).

Connects with the PG* environment bench/features sets up.
"""
import io
import os
import platform
import warnings

import numpy as np
import psycopg2
import sklearn
from sklearn.feature_selection import SelectKBest, f_classif

import benchlib

RUNS = int(os.environ.get("RUNS", "3"))
THREADS = int(os.environ.get("THREADS", "1"))

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute(f"SET pgdl.blas_threads = {THREADS}")
cur.execute("SET client_min_messages = warning")


def best(fn):
    return benchlib.best(fn, RUNS)


def pgdl_scores(source="fashion_mnist"):
    cur.execute("SELECT feature, score, p_value FROM "
                "pgdl.feature_scores(%s, 'label', 'f_classif', '{pixels}')", (source,))
    rows = cur.fetchall()
    score = np.full(784, np.nan)
    pval = np.full(784, np.nan)
    for name, s, p in rows:
        j = int(name[len("pixels["):-1]) - 1
        score[j] = np.nan if s is None else s
        pval[j] = np.nan if p is None else p
    return score, pval


def export():
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT label, pixels FROM fashion_mnist ORDER BY id) TO STDOUT", buf)
    text = buf.getvalue().replace("\t{", ",").replace("}\n", ",")
    a = np.fromstring(text, sep=",", dtype=np.float64).reshape(-1, 785)
    return a[:, 1:], a[:, 0].astype(int)


def sk_fit(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # constant features: RuntimeWarning/UserWarning
        return SelectKBest(f_classif, k=50).fit(X, y)


print()
print("pgdl.feature_scores('f_classif') vs scikit-learn SelectKBest(f_classif), Fashion-MNIST (60,000 x 784)")
print("====================================================================================================")
print(benchlib.machine(cur))
print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
      f"{THREADS} BLAS thread(s); best of {RUNS} runs, seconds")
t_pg, (score, pval) = best(pgdl_scores)
t_export, (X, y) = best(export)
t_sk, sel = best(lambda: sk_fit(X, y))
ref, refp = sel.scores_, sel.pvalues_
print(f"pgdl feature_scores (in-database, table read included): {t_pg:8.3f}")
print(f"sklearn fit alone (data in memory):                     {t_sk:8.3f}   pgdl / sklearn = {t_pg / t_sk:.2f}")
print(f"export (COPY + numpy parse):                            {t_export:8.3f}")
print(f"export + sklearn fit:                                   {t_export + t_sk:8.3f}   "
      f"(export + sklearn) / pgdl = {(t_export + t_sk) / t_pg:.2f}x")
print()
nan_pg, nan_sk = np.isnan(score), np.isnan(ref)
both = ~nan_pg & ~nan_sk & np.isfinite(ref)
rel = np.abs(score[both] - ref[both]) / np.abs(ref[both])
prel = np.abs(pval[both] - refp[both]) / np.maximum(np.abs(refp[both]), 1e-300)
pmask = refp[both] > 1e-290
print(f"features with a score in both: {both.sum()}; max relative difference of F: {rel.max():.3g} "
      f"({'within' if rel.max() <= 1e-6 else 'NOT within'} 1e-6)")
print(f"max relative difference of p-values above 1e-290 ({pmask.sum()} of them): {prel[pmask].max():.3g}; "
      f"p-values that underflow to 0 in scikit-learn: {(refp[both] == 0).sum()}, in pgdl: {(pval[both] == 0).sum()}")
print(f"constant features (F = 0/0): scikit-learn NaN for {nan_sk.sum()}, pgdl NULL for {nan_pg.sum()}, "
      f"the same ones: {bool(np.array_equal(nan_pg, nan_sk))}")
top_pg = set(np.argsort(np.where(nan_pg, -np.inf, score))[::-1][:50])
top_sk = set(np.flatnonzero(sel.get_support()))
print(f"top 50 features: the same set: {top_pg == top_sk}")

# The whole training set has no constant pixel; its first 500 images do.
n_sub = 500
score_s, _ = pgdl_scores(f"SELECT label, pixels FROM fashion_mnist WHERE id <= {n_sub}")
ref_s = sk_fit(X[:n_sub], y[:n_sub]).scores_
ns_pg, ns_sk = np.isnan(score_s), np.isnan(ref_s)
ok = ~ns_pg & ~ns_sk
print(f"first {n_sub} images: constant features: scikit-learn NaN for {ns_sk.sum()}, pgdl NULL for {ns_pg.sum()}, "
      f"the same ones: {bool(np.array_equal(ns_pg, ns_sk))}; max relative difference of the others: "
      f"{(np.abs(score_s[ok] - ref_s[ok]) / np.abs(ref_s[ok])).max():.3g}; both rank them last")
