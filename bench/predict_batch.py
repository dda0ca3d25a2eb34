"""bench/predict_batch.py: the measuring half of bench/predict_batch (see there).

    predict_batch.py run --threads N [--runs R] [--epochs E] --out FILE
        measures at N threads and writes the figures as JSON; bench/predict_batch
        runs it once per thread count, each in a fresh process started with
        OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    predict_batch.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/predict_batch sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  Progress goes to stderr, the report to stdout.
"""
import json
import os
import sys
import time

import psycopg2

import benchlib
import mlp

MODEL = "bench_predict_batch"
TABLES = ("fashion_mnist_test", "fashion_mnist")
SCORE_BATCH = mlp.SCORE_BATCH          # 4096, PyTorch's batch
T0 = time.perf_counter()


def say(msg):
    print(f"[predict_batch {time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def corename(lib):
    import ctypes
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode()


def run(args):
    if args.torch_only:
        sys.exit("predict_batch.py: this benchmark compares pgdl with PyTorch; --torch-only has nothing to compare")
    import torch
    torch.set_num_threads(args.threads)
    lib = mlp.openblas()
    lib.openblas_set_num_threads(args.threads)
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("LOAD 'pgdl'")
    cur.execute(f"SET pgdl.blas_threads = {args.threads}")
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    wall0, busy0 = time.perf_counter(), mlp.busy_seconds()
    ours0 = mlp.process_seconds(os.getpid()) + mlp.process_seconds(backend)
    res = {"threads": args.threads, "runs": args.runs, "machine": mlp.machine(cur, lib, torch),
           "openblas_core": corename(lib), "tables": {}}
    with open(f"/proc/{backend}/environ", "rb") as f:
        env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
    res["server_coretype"] = env.get(b"OPENBLAS_CORETYPE", b"").decode() or None

    # the same network on both sides: pgdl trains it (the figures measure
    # throughput, which the weights do not change), PyTorch builds its twin
    cur.execute("SELECT count(*) FROM pgdl.models WHERE name = %s", (MODEL,))
    if cur.fetchone()[0] == 0:
        say(f"pgdl: training the MLP 784-256-128-10 for {args.epochs} epoch(s)")
        cur.execute("SELECT version FROM pgdl.train_model(%s, 'fashion_mnist', 'label', %s, ARRAY['pixels'], %s)",
                    (MODEL, mlp.LAYERS, json.dumps({"epochs": args.epochs, "validation_fraction": 0,
                                                    "standardize": False, "seed": mlp.SEED})))
    model = mlp.torch_model(torch).eval()

    for table in TABLES:
        X, _ = mlp.export(cur, table)
        Xt = torch.from_numpy(X)
        n = X.shape[0]
        q = f"SELECT count(*) FROM pgdl.predict_batch('{MODEL}', '{table}', 'id')"
        cur.execute(q)                       # warm-up: the model, the table's pages
        if cur.fetchone()[0] != n:
            sys.exit(f"predict_batch.py: {q} did not return {n} rows")
        mlp.torch_predict(torch, model, Xt, SCORE_BATCH)
        # alternate the two, so that other jobs on the machine slow both alike
        # CPU seconds too (the backend's; this process's): steadier than wall
        # time when other jobs share the machine
        pg_t, pt_t, pg_cpu, pt_cpu = [], [], [], []
        for _ in range(args.runs):
            c0 = mlp.process_seconds(backend)
            t, _ = mlp.best_of(1, lambda: (cur.execute(q), cur.fetchone()))
            pg_cpu.append(mlp.process_seconds(backend) - c0)
            pg_t.append(t)
            c0 = time.process_time()
            t, _ = mlp.best_of(1, lambda: mlp.torch_predict(torch, model, Xt, SCORE_BATCH))
            pt_cpu.append(time.process_time() - c0)
            pt_t.append(t)
        res["tables"][table] = {"rows": n, "pgdl_seconds": pg_t, "torch_seconds": pt_t,
                                "pgdl_cpu_seconds": pg_cpu, "torch_cpu_seconds": pt_cpu}
        say(f"{table} ({n:,} rows), {args.threads} thread(s): pgdl.predict_batch {n / min(pg_t):,.0f} rows/s,"
            f" PyTorch batch {SCORE_BATCH} {n / min(pt_t):,.0f} rows/s, ratio {min(pt_t) / min(pg_t):.2f};"
            f" CPU-s {min(pg_cpu):.3f} vs {min(pt_cpu):.3f}")

    mlp.record_other_load(res, wall0, busy0, ours0, backend, say)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


def report(files):
    runs = sorted((json.load(open(f)) for f in files), key=lambda r: r["threads"])
    m = runs[0]["machine"]
    print()
    print(f"pgdl.predict_batch vs PyTorch batch {SCORE_BATCH}: MLP 784-256-128-10, Fashion-MNIST real[784]")
    print("=" * 86)
    print(f"machine:   {m['cpus']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    print(f"software:  {m['server']}; pgdl {m['pgdl']}; PyTorch {m['torch']}")
    print(f"           {m['openblas']}; kernels: {runs[0]['openblas_core']}"
          + (f" (OPENBLAS_CORETYPE={runs[0]['server_coretype']} on both sides)" if runs[0]["server_coretype"] else ""))
    print("method:    pgdl: SELECT count(*) FROM pgdl.predict_batch(model, table, 'id') (reads the table,")
    print("           decompresses the arrays, returns id, prediction, label, probabilities);")
    print(f"           PyTorch: model.eval(), no_grad, batches of {SCORE_BATCH} rows of a tensor already in memory,")
    print("           argmax; the two alternate, best of "
          f"{runs[0]['runs']} each after a warm-up; pgdl.blas_threads = torch threads = n")
    print()
    print(f"{'table':20}{'rows':>7}{'threads':>8}{'pgdl rows/s':>13}{'PyTorch rows/s':>16}{'ratio':>7}  {'':7}"
          f"{'pgdl CPU-s':>11}{'PyTorch CPU-s':>14}{'ratio':>7}")
    for table in TABLES:
        for r in runs:
            t = r["tables"][table]
            pg, pt = t["rows"] / min(t["pgdl_seconds"]), t["rows"] / min(t["torch_seconds"])
            pc, tc = min(t["pgdl_cpu_seconds"]), min(t["torch_cpu_seconds"])
            print(f"{table:20}{t['rows']:>7,}{r['threads']:>8}{pg:>13,.0f}{pt:>16,.0f}{pg / pt:>7.2f}  "
                  + f"{'met' if pg >= pt else 'MISSED':7}{pc:>11.3f}{tc:>14.3f}{tc / pc if pc else 0:>7.2f}")
    print()
    print("ratio: pgdl / PyTorch rows per second (target >= 1.0); CPU ratio: PyTorch's CPU-s / pgdl's (> 1: pgdl")
    print("does the same work with less CPU).  CPU-s: the backend's (pgdl) and the Python process's (PyTorch),")
    print("best run; all threads counted.")
    for r in runs:
        o = r["other_load"]
        print(f"{r['threads']} thread(s): other processes on the machine used {o['cpu_seconds']:.1f} CPU-s in the"
              f" {o['wall']:.0f} s of this run ({100 * o['cpu_seconds'] / o['wall']:.0f}% of one CPU)")


def main():
    benchlib.run_report_cli(__doc__.split("\n")[0], run, report, epochs=1, runs=5)


if __name__ == "__main__":
    main()
