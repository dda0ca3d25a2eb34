"""bench/mlp.py: the measuring half of bench/mlp (see there for the method).

    mlp.py run --threads N [--epochs E] [--runs R] [--torch-only] --out FILE
        measures everything at N threads and writes the figures as JSON;
        bench/mlp runs it once per thread count, each in a fresh process
        started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    mlp.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/mlp sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  Progress goes to stderr, the report to stdout.
"""
import ctypes
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import psycopg2
import psycopg2.extras

import benchlib

SEED = 1
BATCH = 128
LR = 1e-3
MODEL = "fmnist_mlp"
TRAIN, TEST = "fashion_mnist", "fashion_mnist_test"
LAYERS = ('[{"type":"dense","units":256,"activation":"relu"},'
          '{"type":"dense","units":128,"activation":"relu"},'
          '{"type":"dense","units":10}]')
# multiply-adds of one row through 784-256-128-10, 2 FLOPs each; training
# costs about 3 times the forward pass (forward, and the two products of the
# backward pass: gradients of the inputs and of the weights)
FLOP_FORWARD = 2 * (784 * 256 + 256 * 128 + 128 * 10)
FLOP_TRAIN = 3 * FLOP_FORWARD
SCORE_BATCH = 4096
T0 = time.perf_counter()


def say(msg):
    print(f"[mlp {time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def best_of(runs, fn):
    """(least seconds over runs calls of fn, fn's last result)"""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# --- the machine and the BLAS -------------------------------------------------

def openblas():
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_config.restype = ctypes.c_char_p
    return lib


def sgemm_peak(lib, threads, size=1024, runs=10):
    """GFLOP/s of OpenBLAS's cblas_sgemm on size x size float32 matrices,
    best of runs calls after 3 warm-up calls."""
    lib.openblas_set_num_threads(threads)
    rng = np.random.default_rng(SEED)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    c = np.zeros((size, size), dtype=np.float32)
    ptr = ctypes.POINTER(ctypes.c_float)
    f = lib.cblas_sgemm
    f.restype = None
    f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_float, ptr, ctypes.c_int, ptr, ctypes.c_int, ctypes.c_float, ptr, ctypes.c_int]
    args = (101, 111, 111, size, size, size, 1.0, a.ctypes.data_as(ptr), size,
            b.ctypes.data_as(ptr), size, 0.0, c.ctypes.data_as(ptr), size)   # row major, no transposes
    for _ in range(3):
        f(*args)
    if not np.allclose(c, a @ b, rtol=1e-3, atol=1e-2):
        sys.exit("bench: cblas_sgemm gave a wrong product")
    secs, _ = best_of(runs, lambda: f(*args))
    return 2 * size ** 3 / secs / 1e9


def torch_mm_peak(torch, size=1024, runs=10):
    g = torch.Generator().manual_seed(SEED)
    a = torch.randn(size, size, generator=g)
    b = torch.randn(size, size, generator=g)
    for _ in range(3):
        torch.mm(a, b)
    secs, _ = best_of(runs, lambda: torch.mm(a, b))
    return 2 * size ** 3 / secs / 1e9


def busy_seconds():
    """CPU seconds the whole machine has been busy (all CPUs, steal included)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")


def process_seconds(pid):
    """CPU seconds (user + system, all threads) of process pid."""
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def machine(cur, lib, torch):
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1048576
    cur.execute("SELECT version()")
    server = cur.fetchone()[0].split(",")[0]
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'pgdl'")
    row = cur.fetchone()
    deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                         capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu, "cpus": os.cpu_count(), "mem_gib": round(mem, 1), "kernel": platform.release(),
        "server": server, "pgdl": row[0] if row else None,
        "torch": torch.__version__ + (f" (Debian python3-torch {deb})" if deb else ""),
        "torch_backend": torch.__config__.parallel_info().splitlines()[-1].strip(),
        "openblas": lib.openblas_get_config().decode(),
        "numpy": np.__version__, "python": platform.python_version(),
    }


# --- data ---------------------------------------------------------------------

# One row of COPY ... (FORMAT binary) of (id int, label int, pixels real[784]):
# the field count, then each field's length and value, the array with its
# header (ndim, has-NULLs flag, element type, dimension, lower bound) and
# each element's length and value, all big-endian.  A table of such rows
# has rows of one size, which numpy reads in place.
COPY_ROW = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("label_len", ">i4"), ("label", ">i4"),
                     ("pixels_len", ">i4"), ("ndim", ">i4"), ("has_nulls", ">i4"), ("elemtype", ">u4"),
                     ("dim", ">i4"), ("lbound", ">i4"), ("px", [("len", ">i4"), ("v", ">f4")], (784,))])
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\0"


def export(cur, table, with_ids=False):
    """The rows of table as numpy float32 (pixels) and int64 (labels, ids),
    ordered by id, by the fastest way out of PostgreSQL into Python we know:
    COPY ... TO STDOUT (FORMAT binary) read in place by numpy (text COPY
    parsed by numpy and a plain fetchall both take about 9 s here)."""
    buf = io.BytesIO()
    cur.copy_expert(f"COPY (SELECT id, label, pixels FROM {table} ORDER BY id) TO STDOUT (FORMAT binary)", buf)
    data = buf.getbuffer()
    if bytes(data[:11]) != COPY_SIGNATURE:
        sys.exit("mlp.py: not a binary COPY stream")
    start = 19 + int.from_bytes(data[15:19], "big")
    n, rest = divmod(len(data) - start - 2, COPY_ROW.itemsize)
    rows = np.frombuffer(data, dtype=COPY_ROW, count=n, offset=start)
    if rest or bytes(data[-2:]) != b"\xff\xff" or not (
            (rows["fields"] == 3).all() and (rows["id_len"] == 4).all() and (rows["label_len"] == 4).all()
            and (rows["ndim"] == 1).all() and (rows["has_nulls"] == 0).all() and (rows["dim"] == 784).all()
            and (rows["px"]["len"] == 4).all()):
        sys.exit(f"mlp.py: {table} is not (id int, label int, pixels real[784]) without NULLs")
    X = rows["px"]["v"].astype(np.float32)
    y = rows["label"].astype(np.int64)
    if with_ids:
        return X, y, rows["id"].astype(np.int64)
    return X, y


def export_fetchall(cur, table):
    """The plain way: cursor.fetchall() (psycopg2 makes a Python list of
    floats per array) and numpy.asarray."""
    cur.execute(f"SELECT label, pixels FROM {table} ORDER BY id")
    rows = cur.fetchall()
    X = np.asarray([r[1] for r in rows], dtype=np.float32)
    y = np.asarray([r[0] for r in rows], dtype=np.int64)
    return X, y


# --- PyTorch ------------------------------------------------------------------

def torch_model(torch):
    torch.manual_seed(SEED)
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def torch_train(torch, X, y, epochs, model=None):
    """Adam, cross-entropy, shuffled mini-batches of BATCH rows (the last
    one partial) each epoch, gathered from the in-memory tensors; model is
    the MLP unless given (bench/cnn.py passes its CNN).
    Returns (model, seconds of each epoch, mean training loss of each)."""
    model = model if model is not None else torch_model(torch)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    n = X.shape[0]
    seconds, losses = [], []
    model.train()
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
        seconds.append(time.perf_counter() - t0)
        losses.append(total / n)
    model.eval()
    return model, seconds, losses


def torch_predict(torch, model, X, batch):
    """Predicted classes of every row of X, batch rows per forward pass."""
    with torch.no_grad():
        if batch == 1:
            return [int(model(X[i:i + 1]).argmax(1)) for i in range(X.shape[0])]
        return torch.cat([model(X[i:i + batch]).argmax(1) for i in range(0, X.shape[0], batch)])


def torch_half(torch, cur, args, res):
    say("PyTorch: exporting both tables into memory (untimed here)")
    Xn, yn = export(cur, TRAIN)
    Xtn, ytn = export(cur, TEST)
    X, y, Xt, yt = (torch.from_numpy(a) for a in (Xn, yn, Xtn, ytn))
    res["rows_train"], res["rows_test"] = X.shape[0], Xt.shape[0]

    say(f"PyTorch: training {args.epochs} epochs")
    model, seconds, losses = torch_train(torch, X, y, args.epochs)
    say("PyTorch: s/epoch " + " ".join(f"{s:.2f}" for s in seconds) +
        "; loss " + " ".join(f"{v:.4f}" for v in losses))
    with torch.no_grad():
        acc = float((model(Xt).argmax(1) == yt).double().mean())
    say(f"PyTorch: test accuracy {100 * acc:.2f} %")

    say("PyTorch: scoring the test set at batch 1 and batch 4096")
    t1, _ = best_of(args.runs, lambda: torch_predict(torch, model, Xt, 1))
    tb, _ = best_of(args.runs, lambda: torch_predict(torch, model, Xt, SCORE_BATCH))
    res["torch"] = {"epoch_seconds": seconds, "train_loss": losses, "train_seconds": sum(seconds),
                    "accuracy": acc, "score_row_seconds": t1, "score_batch_seconds": tb}

    say("PyTorch: end to end (export, train, predict, write back)")
    res["torch"]["e2e"] = torch_end_to_end(torch, cur, args.epochs)
    if args.fetchall:
        say("PyTorch: timing the plain export, cursor.fetchall() + numpy.asarray")
        t, (Xf, _) = best_of(1, lambda: export_fetchall(cur, TRAIN))
        if not np.array_equal(Xf, Xn):
            sys.exit("mlp.py: fetchall and COPY exported different pixels")
        res["torch"]["fetchall_seconds"] = t


def torch_end_to_end(torch, cur, epochs):
    """What a user does today: the training table out to Python, train,
    the test table out, predict, predictions written back to a table."""
    t = {}
    t0 = time.perf_counter()
    X, y = export(cur, TRAIN)
    t["export"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    model, _, _ = torch_train(torch, torch.from_numpy(X), torch.from_numpy(y), epochs)
    t["train"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    Xt, _, ids = export(cur, TEST, with_ids=True)
    pred = torch_predict(torch, model, torch.from_numpy(Xt), SCORE_BATCH).tolist()
    cur.execute("DROP TABLE IF EXISTS torch_predictions")
    cur.execute("CREATE UNLOGGED TABLE torch_predictions (id int, prediction float8)")
    psycopg2.extras.execute_values(cur, "INSERT INTO torch_predictions (id, prediction) VALUES %s",
                                   zip(ids.tolist(), map(float, pred)), page_size=1000)
    t["predict"] = time.perf_counter() - t2
    t["total"] = time.perf_counter() - t0
    return t


# --- pgdl ---------------------------------------------------------------------

class Notices(list):
    """psycopg2 appends the server's NOTICEs here; echo them as progress."""

    def append(self, msg):
        sys.stderr.write("  " + msg.strip().replace("\n", "\n  ") + "\n")
        super().append(msg)


def pgdl_train(cur, epochs):
    """pgdl.train_model with the PyTorch settings; returns (result row as a
    dict, wall seconds)."""
    options = json.dumps({"epochs": epochs, "batch_size": BATCH, "learning_rate": LR, "optimizer": "adam",
                          "validation_fraction": 0, "standardize": False, "seed": SEED})
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM pgdl.train_model(%s, %s, 'label', %s, ARRAY['pixels'], %s)",
                (MODEL, TRAIN, LAYERS, options))
    row = cur.fetchone()
    wall = time.perf_counter() - t0
    return dict(zip([d.name for d in cur.description], row)), wall


def pgdl_epoch_seconds(cur, version, total):
    """Seconds of each epoch from pgdl.training_history.  Should the column
    turn out to be cumulative (time since the start), the differences."""
    cur.execute("SELECT epoch, seconds, train_loss FROM pgdl.training_history"
                " WHERE name = %s AND version = %s ORDER BY epoch", (MODEL, version))
    rows = cur.fetchall()
    secs = [float(r[1]) for r in rows]
    cumulative = len(secs) > 1 and all(b >= a for a, b in zip(secs, secs[1:])) and sum(secs) > 1.5 * total
    if cumulative:
        secs = [b - a for a, b in zip([0.0] + secs, secs)]
    return secs, [float(r[2]) for r in rows], cumulative


def pgdl_accuracy(cur):
    """Test accuracy from pgdl.evaluate, or from avg(predict = label) should
    evaluate not exist (yet) or give no accuracy."""
    try:
        cur.execute(f"SELECT value FROM pgdl.evaluate('{MODEL}', '{TEST}', 'label') WHERE metric = 'accuracy'")
        row = cur.fetchone()
        if row is not None and row[0] is not None:
            return float(row[0]), "pgdl.evaluate"
    except psycopg2.errors.UndefinedFunction:
        pass
    cur.execute(f"SELECT avg((pgdl.predict('{MODEL}', pixels) = label)::int) FROM {TEST}")
    return float(cur.fetchone()[0]), "avg(predict = label)"


def pgdl_half(cur, conn, args, res):
    conn.notices = Notices()
    cur.execute("LOAD 'pgdl'")
    cur.execute(f"SET pgdl.blas_threads = {args.threads}")
    cur.execute("SHOW pgdl.blas_threads")
    blas = cur.fetchone()[0]
    if blas != str(args.threads):
        sys.exit(f"mlp.py: pgdl.blas_threads is {blas}, not {args.threads}")

    say(f"pgdl: training {args.epochs} epochs")
    row, wall = pgdl_train(cur, args.epochs)
    seconds, losses, cumulative = pgdl_epoch_seconds(cur, row["version"], wall)
    if len(seconds) != args.epochs:
        sys.exit(f"mlp.py: pgdl.training_history has {len(seconds)} epochs of {MODEL}@{row['version']}, "
                 f"expected {args.epochs}")
    say(f"pgdl: {MODEL}@{row['version']}, s/epoch " + " ".join(f"{s:.2f}" for s in seconds) +
        "; loss " + " ".join(f"{v:.4f}" for v in losses))
    acc, how = pgdl_accuracy(cur)
    say(f"pgdl: test accuracy {100 * acc:.2f} % ({how})")

    say("pgdl: scoring the test set with pgdl.predict and pgdl.predict_batch")
    q_row = f"SELECT count(pgdl.predict('{MODEL}', pixels)) FROM {TEST}"
    q_batch = f"SELECT count(*) FROM pgdl.predict_batch('{MODEL}', '{TEST}', 'id')"
    out = {}
    for key, q in (("score_row_seconds", q_row), ("score_batch_seconds", q_batch)):
        cur.execute(q)                                  # warm-up: loads the model
        if cur.fetchone()[0] != res["rows_test"]:
            sys.exit(f"mlp.py: {q} did not count {res['rows_test']} rows")
        out[key], _ = best_of(args.runs, lambda: (cur.execute(q), cur.fetchone()))

    say("pgdl: end to end (train_model, then CREATE TABLE ... AS SELECT id, pgdl.predict(...))")
    t0 = time.perf_counter()
    _, e2e_train = pgdl_train(cur, args.epochs)
    t1 = time.perf_counter()
    cur.execute("DROP TABLE IF EXISTS pgdl_predictions")
    cur.execute(f"CREATE UNLOGGED TABLE pgdl_predictions AS SELECT id, pgdl.predict('{MODEL}', pixels) AS prediction"
                f" FROM {TEST}")
    t2 = time.perf_counter()
    res["pgdl"] = {"version": row["version"], "parameters": row["parameters"], "train_loss": losses,
                   "epoch_seconds": seconds, "history_cumulative": cumulative,
                   "train_seconds": float(row["seconds"]), "train_wall": wall, "accuracy": acc,
                   "accuracy_from": how, "blas_threads": blas, **out,
                   "e2e": {"train": e2e_train, "predict": t2 - t1, "total": t2 - t0}}


def run(args, torch_half=torch_half, pgdl_half=pgdl_half, say=say):
    """The frame of one thread count's measurement, shared with bench/cnn.py:
    threads set, machine and sgemm peak, the PyTorch half, the pgdl half
    (unless --torch-only), the peak again, the other load, the JSON out."""
    import torch
    torch.set_num_threads(args.threads)
    lib = openblas()
    lib.openblas_set_num_threads(args.threads)
    torch.manual_seed(SEED)
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("SELECT pg_backend_pid()")
    backend = cur.fetchone()[0]
    wall0, busy0, ours0 = time.perf_counter(), busy_seconds(), process_seconds(os.getpid()) + process_seconds(backend)
    res = {"threads": args.threads, "epochs": args.epochs, "runs": args.runs, "torch_only": args.torch_only,
           "machine": machine(cur, lib, torch)}
    say(f"{args.threads} thread(s): sgemm peak")
    res["peak_openblas"] = sgemm_peak(lib, args.threads)
    res["peak_torch_mm"] = torch_mm_peak(torch)
    lib.openblas_set_num_threads(args.threads)
    say(f"sgemm 1024^3: OpenBLAS {res['peak_openblas']:.1f} GFLOP/s, torch.mm {res['peak_torch_mm']:.1f} GFLOP/s")
    torch_half(torch, cur, args, res)
    if not args.torch_only:
        pgdl_half(cur, conn, args, res)
    # once more at the end: the peak is the best the machine gave this run
    res["peak_openblas"] = max(res["peak_openblas"], sgemm_peak(lib, args.threads))
    res["peak_torch_mm"] = max(res["peak_torch_mm"], torch_mm_peak(torch))
    record_other_load(res, wall0, busy0, ours0, backend, say)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


def record_other_load(res, wall0, busy0, ours0, backend, say):
    """res["other_load"]: what the rest of the machine used since wall0
    (busy0: busy_seconds() then; ours0: this process's and the backend's
    CPU seconds then): other users' work slows both halves and makes the
    figures noisy"""
    wall = time.perf_counter() - wall0
    others = busy_seconds() - busy0 - (process_seconds(os.getpid()) + process_seconds(backend) - ours0)
    res["other_load"] = {"cpu_seconds": max(others, 0.0), "wall": wall}
    say(f"other processes used {max(others, 0.0):.1f} CPU-s during these {wall:.0f} s")


# --- the report ---------------------------------------------------------------

def report(files):
    runs = sorted((json.load(open(f)) for f in files), key=lambda r: r["threads"])
    m, first = runs[0]["machine"], runs[0]
    W = 14 + 9 * 3 + 8   # one thread block: pgdl, PyTorch, ratio, verdict
    print()
    print("pgdl vs PyTorch CPU: MLP 784-256-128-10 on Fashion-MNIST")
    print("========================================================")
    print(f"machine:   {m['cpus']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    print(f"software:  {m['server']}; pgdl {m['pgdl'] or '(not measured: --torch-only)'}")
    print(f"           PyTorch {m['torch']}, {m['torch_backend']}; numpy {m['numpy']}, python {m['python']}")
    print(f"           {m['openblas']} (the sgemm of PyTorch and pgdl alike)")
    print(f"data:      {first['rows_train']:,} training / {first['rows_test']:,} test rows, pixels / 255 as real[784]")
    print(f"model:     784-256-128-10, ReLU, softmax cross-entropy, Adam lr {LR:g}, batch {BATCH}, float32,"
          f" {first['epochs']} epochs, seed {SEED}, no validation split, no standardization")
    print("threads:   " + ", ".join(str(r["threads"]) for r in runs) +
          ": PyTorch torch.set_num_threads(n) and openblas_set_num_threads(n); pgdl SET pgdl.blas_threads = n;"
          " max_parallel_workers_per_gather = 0 for every query")
    print("sgemm peak (1024x1024x1024 float32, best of 10 at the start and 10 at the end): " + "; ".join(
        f"{r['threads']} thread(s): cblas_sgemm {r['peak_openblas']:.1f} GFLOP/s, torch.mm {r['peak_torch_mm']:.1f}"
        for r in runs))
    print(f"scoring:   best of {first['runs']} runs after one warm-up; {first['rows_test']:,} test rows")
    print()

    def fmt(v, spec):
        return "pending" if v is None else format(v, spec)

    def cells(r, pg, pt, spec, ratio, target=None, fmt_ratio=".2f"):
        rv = None if pg is None or pt is None else ratio(pg, pt)
        verdict = "" if rv is None or target is None else ("met" if target(rv) else "MISSED")
        return f"{fmt(pg, spec):>9}{fmt(pt, spec):>9}{fmt(rv, fmt_ratio) if rv is not None else '-':>9}  {verdict:<6}"

    head1 = "".join(f"{str(r['threads']) + ' thread' + ('s' if r['threads'] > 1 else ''):^{W}}" for r in runs)
    head2 = "".join(f"{'pgdl':>9}{'PyTorch':>9}{'ratio':>9}  {'':<6}" for r in runs)
    print(f"{'':44}{head1}   ratio, target")
    print(f"{'':44}{head2}")

    def line(label, get, spec, ratio=lambda a, b: a / b, target=None, note=""):
        out = "".join(cells(r, *get(r), spec, ratio, target) for r in runs)
        print(f"{label:44}{out}   {note}")

    def pg(r, key, sub=None):
        d = r.get("pgdl")
        if d is None:
            return None
        return d[sub][key] if sub else d[key]

    def med(xs):
        return statistics.median(xs)

    n_train, n_test = first["rows_train"], first["rows_test"]
    print("1. training")
    line("   s/epoch, best epoch",
         lambda r: (pg(r, "epoch_seconds") and min(pg(r, "epoch_seconds")), min(r["torch"]["epoch_seconds"])),
         ".3f", target=lambda v: v <= 1.0, note="pgdl/PyTorch <= 1.0 (aim 0.7)")
    line("   s/epoch, median of the epochs",
         lambda r: (pg(r, "epoch_seconds") and med(pg(r, "epoch_seconds")), med(r["torch"]["epoch_seconds"])),
         ".3f", note="pgdl/PyTorch (noisier: other load)")
    line("   s, all epochs (pgdl: train_model's)",
         lambda r: (pg(r, "train_seconds"), r["torch"]["train_seconds"]), ".2f", note="pgdl/PyTorch; pgdl's reads the table too")
    line("   rows/s (best epoch)",
         lambda r: (pg(r, "epoch_seconds") and n_train / min(pg(r, "epoch_seconds")),
                    n_train / min(r["torch"]["epoch_seconds"])), ",.0f", note="pgdl/PyTorch")
    line("   GFLOP/s (best epoch; 1.41 MFLOP a row)",
         lambda r: (pg(r, "epoch_seconds") and n_train * FLOP_TRAIN / min(pg(r, "epoch_seconds")) / 1e9,
                    n_train * FLOP_TRAIN / min(r["torch"]["epoch_seconds"]) / 1e9), ".1f", note="pgdl/PyTorch")
    line("   % of the cblas_sgemm peak",
         lambda r: (pg(r, "epoch_seconds") and 100 * n_train * FLOP_TRAIN / min(pg(r, "epoch_seconds")) / 1e9 / r["peak_openblas"],
                    100 * n_train * FLOP_TRAIN / min(r["torch"]["epoch_seconds"]) / 1e9 / r["peak_openblas"]),
         ".1f", ratio=lambda a, b: a - b, note="pgdl - PyTorch, points")
    line("   final training loss",
         lambda r: (pg(r, "train_loss") and pg(r, "train_loss")[-1], r["torch"]["train_loss"][-1]), ".4f",
         note="pgdl/PyTorch")
    print("2. test accuracy, %")
    line("   accuracy",
         lambda r: (None if pg(r, "accuracy") is None else 100 * pg(r, "accuracy"), 100 * r["torch"]["accuracy"]),
         ".2f", ratio=lambda a, b: a - b, target=lambda v: abs(v) <= 1.0, note="pgdl - PyTorch, |diff| <= 1 point")
    print("3. scoring the test set, rows/s")
    line("   per row: predict() vs PyTorch batch 1",
         lambda r: (pg(r, "score_row_seconds") and n_test / pg(r, "score_row_seconds"),
                    n_test / r["torch"]["score_row_seconds"]), ",.0f", note="pgdl/PyTorch; pgdl >= 40,000 rows/s")
    line("   batch: predict_batch() vs PyTorch 4096",
         lambda r: (pg(r, "score_batch_seconds") and n_test / pg(r, "score_batch_seconds"),
                    n_test / r["torch"]["score_batch_seconds"]), ",.0f", note="pgdl/PyTorch")
    print("4. end to end, s (PyTorch: export, train, predict, write back; pgdl: train_model + CREATE TABLE AS predict)")
    line("   total",
         lambda r: (pg(r, "total", "e2e"), r["torch"]["e2e"]["total"]), ".2f",
         target=lambda v: v <= 1.0, note="pgdl/PyTorch: < 1 means pgdl is faster")
    line("   export the training table (binary COPY)",
         lambda r: (0.0 if r.get("pgdl") else None, r["torch"]["e2e"]["export"]), ".2f", ratio=lambda a, b: None)
    line("   train",
         lambda r: (pg(r, "train", "e2e"), r["torch"]["e2e"]["train"]), ".2f", note="pgdl/PyTorch")
    line("   predict the test table into a table",
         lambda r: (pg(r, "predict", "e2e"), r["torch"]["e2e"]["predict"]), ".2f", note="pgdl/PyTorch")
    print()

    # the rows the per-row target needs, and the details a reader checks
    for r in runs:
        t = r["torch"]
        print(f"{r['threads']} thread(s), PyTorch s/epoch: " + " ".join(f"{s:.2f}" for s in t["epoch_seconds"]) +
              "; loss: " + " ".join(f"{v:.3f}" for v in t["train_loss"]))
        if r.get("pgdl"):
            p = r["pgdl"]
            print(f"{r['threads']} thread(s), pgdl    s/epoch: " + " ".join(f"{s:.2f}" for s in p["epoch_seconds"]) +
                  "; loss: " + " ".join(f"{v:.3f}" for v in p["train_loss"]) +
                  f"  ({MODEL}@{p['version']}, {p['parameters']:,} parameters, train_model {p['train_wall']:.2f} s wall;"
                  f" accuracy from {p['accuracy_from']}"
                  + ("; training_history.seconds was cumulative" if p["history_cumulative"] else "") + ")")
        o = r["other_load"]
        print(f"{r['threads']} thread(s): other processes on the machine used {o['cpu_seconds']:.1f} CPU-s in the"
              f" {o['wall']:.0f} s of this run ({100 * o['cpu_seconds'] / o['wall']:.0f}% of one CPU)")
        if "fetchall_seconds" in t:
            print(f"{r['threads']} thread(s): the plain export, cursor.fetchall() + numpy.asarray of the training"
                  f" table, takes {t['fetchall_seconds']:.2f} s (binary COPY read by numpy: {t['e2e']['export']:.2f} s, used above)")
    print()
    print("ratios: pgdl / PyTorch of each figure (for rates > 1 means pgdl is faster, for seconds < 1 does);")
    print("accuracy and % of peak: the difference in points.  FLOPs: 2 x (784x256 + 256x128 + 128x10) a row")
    print("forward, x 3 for a training step (the convention; the first layer needs no input gradient, so the")
    print("products really done are 2.15 x forward, and the true rates are 0.72 x those shown).  Threads > 1:")
    print("PyTorch runs with OMP_WAIT_POLICY=PASSIVE (spinning OpenMP workers starve OpenBLAS's threads on a")
    print("machine with as many cores as threads).  pgdl's per-row scoring also reads each row through the")
    print("executor; PyTorch batch 1 takes its rows from an in-memory tensor.")
    if first["torch_only"]:
        print("pgdl: pending (run without --torch-only once pgdl.train_model exists).")


def main():
    benchlib.run_report_cli(__doc__.split("\n")[0], run, report, epochs=10, runs=3,
                            extra=lambda r: r.add_argument("--fetchall", action="store_true",
                                                           help="also time cursor.fetchall() of the training table"))


if __name__ == "__main__":
    main()
