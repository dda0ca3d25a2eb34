"""bench/kmeans.py: pgdl.kmeans against scikit-learn KMeans on Fashion-MNIST
(60,000 x 784, raw pixels 0..255), k = 10, k-means++, n_init 1, max_iter 100,
one thread on both sides.  Run by bench/kmeans; not a test: prints times,
SSE and ratios.

  pgdl end to end      SELECT * FROM pgdl.kmeans('fashion_mnist', 10, ...):
                       reading the table, k-means++, the iterations and the
                       final exact-SSE pass, all in the backend
  sklearn compute      KMeans(10, init='k-means++', n_init=1, max_iter=100,
                       algorithm='lloyd').fit(X) on X already in memory
  sklearn round trip   the table exported by binary COPY into numpy (the
                       fastest way out, as bench/mlp.py), then the fit
  per iteration        (time at max_iter 100 - time at max_iter 1) /
                       (iterations - 1), on each side, so reading, seeding
                       and finishing cancel out
"""
import io
import os
import re
import sys
import time

import numpy as np
import psycopg2
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(__file__))
from benchlib import machine  # noqa: E402

K = 10
MAX_ITER = 100
SEED = int(os.environ.get("SEED", "0"))
RUNS = int(os.environ.get("RUNS", "3"))

COPY_ROW = np.dtype([("fields", ">i2"), ("pixels_len", ">i4"), ("ndim", ">i4"), ("has_nulls", ">i4"),
                     ("elemtype", ">u4"), ("dim", ">i4"), ("lbound", ">i4"),
                     ("px", [("len", ">i4"), ("v", ">f4")], (784,))])


def export(cur):
    """pixels of fashion_mnist in physical order, by COPY (FORMAT binary)."""
    buf = io.BytesIO()
    cur.copy_expert("COPY (SELECT pixels FROM fashion_mnist) TO STDOUT (FORMAT binary)", buf)
    data = buf.getbuffer()
    start = 19 + int.from_bytes(data[15:19], "big")
    n, rest = divmod(len(data) - start - 2, COPY_ROW.itemsize)
    rows = np.frombuffer(data, dtype=COPY_ROW, count=n, offset=start)
    if rest or not ((rows["fields"] == 1).all() and (rows["dim"] == 784).all() and (rows["has_nulls"] == 0).all()):
        sys.exit("kmeans.py: fashion_mnist.pixels is not real[784] without NULLs")
    return np.ascontiguousarray(rows["px"]["v"], dtype=np.float32)


def sk_fit(X, max_iter, seed):
    km = KMeans(n_clusters=K, init="k-means++", n_init=1, max_iter=max_iter, algorithm="lloyd",
                random_state=seed)
    t0 = time.perf_counter()
    km.fit(X)
    return time.perf_counter() - t0, km.inertia_, km.n_iter_


def pg_fit(conn, cur, max_iter, seed):
    del conn.notices[:]
    opts = '{"seed": %d, "max_iter": %d, "n_init": 1, "init": "k-means++"}' % (seed, max_iter)
    t0 = time.perf_counter()
    cur.execute("SELECT sum(sse), sum(size) FROM pgdl.kmeans('fashion_mnist', %s, ARRAY['pixels'], %s)", (K, opts))
    sse, n = cur.fetchone()
    secs = time.perf_counter() - t0
    it = None
    for msg in conn.notices:
        m = re.search(r"k-means: (\d+) rows, (\d+) iterations", msg)
        if m:
            it = int(m.group(2))
    if int(n) != 60000 or it is None:
        sys.exit(f"kmeans.py: pgdl.kmeans read {n} rows, iterations {it}")
    return secs, float(sse), it


def best(fn, runs):
    out = None
    for _ in range(runs):
        r = fn()
        if out is None or r[0] < out[0]:
            out = r
    return out


def main():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET pgdl.blas_threads = 1")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("SET client_min_messages = notice")
    print(machine(cur))
    print(f"data: fashion_mnist 60,000 x 784 raw pixels; k={K}, k-means++, n_init 1, max_iter {MAX_ITER}, "
          f"seed {SEED}; 1 thread (pgdl.blas_threads = 1; sklearn under threadpool_limits(1)); best of {RUNS}")

    with threadpool_limits(limits=1):
        t_exp, X = best(lambda: (lambda t0: (lambda X: (time.perf_counter() - t0, X))(export(cur)))(time.perf_counter()), RUNS)
        sk_full = best(lambda: sk_fit(X, MAX_ITER, SEED), RUNS)
        sk_one = best(lambda: sk_fit(X, 1, SEED), RUNS)
    pg_full = best(lambda: pg_fit(conn, cur, MAX_ITER, SEED), RUNS)
    pg_one = best(lambda: pg_fit(conn, cur, 1, SEED), RUNS)

    sk_it = (sk_full[0] - sk_one[0]) / max(sk_full[2] - 1, 1)
    pg_it = (pg_full[0] - pg_one[0]) / max(pg_full[2] - 1, 1)
    rows = [
        ("sklearn compute (X in memory)", sk_full[0], sk_full[1], sk_full[2]),
        ("sklearn export (binary COPY) + compute", t_exp + sk_full[0], sk_full[1], sk_full[2]),
        ("pgdl.kmeans in-database end to end", pg_full[0], pg_full[1], pg_full[2]),
    ]
    print(f"\n{'':42s} {'seconds':>8s} {'SSE':>16s} {'iterations':>10s}")
    for name, s, sse, it in rows:
        print(f"{name:42s} {s:8.2f} {sse:16.6g} {it:10d}")
    print(f"{'export alone (binary COPY into numpy)':42s} {t_exp:8.2f}")
    print(f"\nper iteration: sklearn {sk_it * 1000:.1f} ms, pgdl {pg_it * 1000:.1f} ms "
          f"(max_iter 1 runs: sklearn {sk_one[0]:.2f} s, pgdl {pg_one[0]:.2f} s)")
    print("\nratios (pgdl / sklearn; targets in brackets):")
    print(f"  end to end vs sklearn compute alone   {pg_full[0] / sk_full[0]:.2f}x  [<= 1.0]")
    print(f"  end to end vs sklearn round trip      {pg_full[0] / (t_exp + sk_full[0]):.2f}x")
    print(f"  per iteration                         {pg_it / sk_it:.2f}x  [<= 1.0]")
    print(f"  SSE                                   {pg_full[1] / sk_full[1]:.4f}   [within 1 %]")


if __name__ == "__main__":
    main()
