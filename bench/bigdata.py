"""bench/bigdata.py: the measuring half of bench/bigdata (see there for the method).

    bigdata.py load --rows N [--test-rows M]
        generates the HIGGS-shaped tables (teacher network, label noise) and
        loads them by binary COPY: higgs (shuffled), higgs_sorted (the same
        rows in label order), higgs_test (held out)
    bigdata.py run [--epochs E] [--modes ...] --out FILE
        trains every mode and writes the figures as JSON
    bigdata.py report FILE
        prints the table

Connects with the PG* environment bench/bigdata sets up.  Progress goes to
stderr, the report to stdout.
"""
import argparse
import io
import json
import struct
import sys
import time

import numpy as np
import psycopg2

import mlp

SEED = 1
FEATURES = 28                   # as HIGGS
HIDDEN_TEACHER = 32
NOISE = 0.10                    # labels flipped at random: the best achievable accuracy is 1 - NOISE
BATCH = 256
LR = 1e-3
LAYERS = [64, 32]               # the student MLP 28-64-32-classes, ReLU
COLUMNS = [f"f{i + 1}" for i in range(FEATURES)]
T0 = time.perf_counter()


def say(msg):
    print(f"[bigdata {time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# --- the data -----------------------------------------------------------------

def teacher(rng):
    """A fixed random network 28-32(tanh)-1: its sign is the clean label."""
    w1 = rng.standard_normal((FEATURES, HIDDEN_TEACHER)) / np.sqrt(FEATURES)
    b1 = rng.standard_normal(HIDDEN_TEACHER) * 0.1
    w2 = rng.standard_normal(HIDDEN_TEACHER) * 3 / np.sqrt(HIDDEN_TEACHER)
    return w1, b1, w2


def draw(rng, net, n):
    """n rows: features N(0,1) float8, label = teacher's sign, flipped with probability NOISE."""
    w1, b1, w2 = net
    X = rng.standard_normal((n, FEATURES))
    clean = (np.tanh(X @ w1 + b1) @ w2 > 0).astype(np.int32)
    flip = rng.random(n) < NOISE
    return X, np.where(flip, 1 - clean, clean), clean


# one row of COPY ... (FORMAT binary) of (id bigint, label int, f1..f28 float8), big-endian
COPY_ROW = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i8"), ("label_len", ">i4"), ("label", ">i4")]
                    + [(c, [("len", ">i4"), ("v", ">f8")]) for c in COLUMNS])


def copy_rows(cur, table, ids, X, y):
    rows = np.empty(len(ids), dtype=COPY_ROW)
    rows["fields"] = 2 + FEATURES
    rows["id_len"], rows["id"] = 8, ids
    rows["label_len"], rows["label"] = 4, y
    for j, c in enumerate(COLUMNS):
        rows[c]["len"], rows[c]["v"] = 8, X[:, j]
    buf = io.BytesIO()
    buf.write(b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0))
    buf.write(rows.tobytes())
    buf.write(struct.pack(">h", -1))
    buf.seek(0)
    cur.copy_expert(f"COPY {table} FROM STDIN (FORMAT binary)", buf)


def load(args):
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    rng = np.random.default_rng(SEED)
    net = teacher(rng)
    cols = ", ".join(f"{c} float8 NOT NULL" for c in COLUMNS)
    for t in ("higgs", "higgs_sorted", "higgs_test"):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    cur.execute(f"CREATE UNLOGGED TABLE higgs (id bigint NOT NULL, label int NOT NULL, {cols})")
    cur.execute(f"CREATE UNLOGGED TABLE higgs_test (id bigint NOT NULL, label int NOT NULL, {cols})")
    t0 = time.perf_counter()
    chunk = 250_000
    clean_agree = 0
    for start in range(0, args.rows, chunk):
        n = min(chunk, args.rows - start)
        X, y, clean = draw(rng, net, n)
        clean_agree += int((y == clean).sum())
        copy_rows(cur, "higgs", np.arange(start + 1, start + n + 1), X, y)
        say(f"higgs: {start + n:,} of {args.rows:,} rows")
    X, y, clean = draw(rng, net, args.test_rows)
    copy_rows(cur, "higgs_test", np.arange(1, args.test_rows + 1), X, y)
    load_s = time.perf_counter() - t0
    say(f"loaded {args.rows:,} + {args.test_rows:,} rows in {load_s:.1f} s")
    # the same rows stored in label order: what a plain sequential scan trains badly on
    cur.execute("CREATE UNLOGGED TABLE higgs_sorted AS SELECT * FROM higgs ORDER BY label, id")
    cur.execute("VACUUM ANALYZE higgs")
    cur.execute("VACUUM ANALYZE higgs_sorted")
    cur.execute("VACUUM ANALYZE higgs_test")
    cur.execute("SELECT pg_total_relation_size('higgs')")
    size = cur.fetchone()[0]
    info = {"rows": args.rows, "test_rows": args.test_rows, "load_seconds": load_s, "table_bytes": size,
            "noise": NOISE, "train_clean_agreement": clean_agree / args.rows,
            "test_teacher_accuracy": float((y == clean).mean()),
            "positive_fraction": float(y.mean())}
    cur.execute("DROP TABLE IF EXISTS bigdata_info")
    cur.execute("CREATE TABLE bigdata_info (info jsonb)")
    cur.execute("INSERT INTO bigdata_info VALUES (%s)", (json.dumps(info),))
    say(f"higgs is {size / 2**20:,.0f} MB; the teacher's labels are right on {100 * info['test_teacher_accuracy']:.2f} %"
        " of the test rows (the achievable accuracy)")


# --- pgdl ---------------------------------------------------------------------

class Notices(list):
    def append(self, msg):
        sys.stderr.write("  " + msg.strip().replace("\n", "\n  ") + "\n")
        super().append(msg)


def pgdl_layers():
    return json.dumps([{"type": "dense", "units": u, "activation": "relu"} for u in LAYERS])


def pgdl_mode(conn, name, table, extra, epochs, workers=0):
    """train_model with extra options; returns the figures or a skip reason."""
    cur = conn.cursor()
    cur.execute("SET pgdl.blas_threads = 1")
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    options = {"epochs": epochs, "batch_size": BATCH, "learning_rate": LR, "optimizer": "adam",
               "validation_fraction": 0, "standardize": False, "seed": SEED, **extra}
    t0 = time.perf_counter()
    try:
        cur.execute("SELECT * FROM pgdl.train_model(%s, %s, 'label', %s, %s, %s)",
                    (name, table, pgdl_layers(), COLUMNS, json.dumps(options)))
    except psycopg2.Error as e:
        # the first line without "ERROR:" and the list of accepted options
        msg = (e.pgerror or str(e)).strip().splitlines()[0].replace("ERROR:", "").split(";")[0].strip()
        say(f"pgdl {name}: skipped, the server refused {json.dumps(extra)}: {e.pgcode} {msg}")
        return {"skipped": f"{e.pgcode}: {msg}"}
    row = dict(zip([d.name for d in cur.description], cur.fetchone()))
    wall = time.perf_counter() - t0
    secs, _, _ = epoch_seconds(cur, name, row["version"], wall)
    cur.execute("SELECT value FROM pgdl.evaluate(%s, 'higgs_test', 'label') WHERE metric = 'accuracy'", (name,))
    acc = float(cur.fetchone()[0])
    out = {"wall": wall, "epoch_seconds": secs, "accuracy": acc, "parameters": row["parameters"],
           "result": {k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in row.items()}}
    say(f"pgdl {name}: {wall:.1f} s wall, s/epoch " + " ".join(f"{s:.2f}" for s in secs)
        + f", test accuracy {100 * acc:.2f} %")
    return out


def epoch_seconds(cur, name, version, wall):
    cur.execute("SELECT seconds FROM pgdl.training_history WHERE name = %s AND version = %s ORDER BY epoch",
                (name, version))
    secs = [float(r[0]) for r in cur.fetchall()]
    cumulative = len(secs) > 1 and all(b >= a for a, b in zip(secs, secs[1:])) and sum(secs) > 1.5 * wall
    if cumulative:
        secs = [b - a for a, b in zip([0.0] + secs, secs)]
    return secs, None, cumulative


# --- PyTorch ------------------------------------------------------------------

def torch_net(torch, classes):
    torch.manual_seed(SEED)
    nn = torch.nn
    sizes = [FEATURES] + LAYERS
    mods = []
    for a, b in zip(sizes, sizes[1:]):
        mods += [nn.Linear(a, b), nn.ReLU()]
    mods.append(nn.Linear(sizes[-1], classes))
    return nn.Sequential(*mods)


def torch_step(torch, model, opt, loss_fn, xb, yb):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()


def torch_accuracy(torch, model, Xt, yt):
    with torch.no_grad():
        return float((model(Xt).argmax(1) == yt).double().mean())


def torch_cursor(torch, conn, table, epochs, classes, Xt, yt, fetch):
    """What a user does with a table larger than memory: each epoch a
    server-side cursor (psycopg2 named cursor) over the table, fetch rows at
    a time, each block shuffled and trained on in mini-batches."""
    model = torch_net(torch, classes)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    secs = []
    q = f"SELECT label, {', '.join(COLUMNS)} FROM {table}"
    for _ in range(epochs):
        t0 = time.perf_counter()
        with conn.cursor(name="bigdata_scan") as cur:
            cur.itersize = fetch
            cur.execute(q)
            while True:
                rows = cur.fetchmany(fetch)
                if not rows:
                    break
                a = np.asarray(rows, dtype=np.float32)
                X = torch.from_numpy(np.ascontiguousarray(a[:, 1:]))
                y = torch.from_numpy(a[:, 0].astype(np.int64))
                perm = torch.randperm(len(rows), generator=gen)
                for i in range(0, len(rows), BATCH):
                    idx = perm[i:i + BATCH]
                    torch_step(torch, model, opt, loss_fn, X[idx], y[idx])
        conn.commit()
        secs.append(time.perf_counter() - t0)
    return {"epoch_seconds": secs, "accuracy": torch_accuracy(torch, model, Xt, yt)}


def torch_memory(torch, X, y, epochs, classes, Xt, yt):
    """PyTorch on a NumPy array already in memory: shuffled mini-batches."""
    model = torch_net(torch, classes)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    n = X.shape[0]
    secs = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            torch_step(torch, model, opt, loss_fn, X[idx], y[idx])
        secs.append(time.perf_counter() - t0)
    return {"epoch_seconds": secs, "accuracy": torch_accuracy(torch, model, Xt, yt)}


def export(cur, table):
    """table's features and labels as numpy (binary COPY read in place), ordered by id"""
    buf = io.BytesIO()
    cur.copy_expert(f"COPY (SELECT id, label, {', '.join(COLUMNS)} FROM {table} ORDER BY id) TO STDOUT (FORMAT binary)",
                    buf)
    data = buf.getbuffer()
    start = 19 + int.from_bytes(data[15:19], "big")
    n = (len(data) - start - 2) // COPY_ROW.itemsize
    rows = np.frombuffer(data, dtype=COPY_ROW, count=n, offset=start)
    X = np.stack([rows[c]["v"] for c in COLUMNS], axis=1).astype(np.float32)
    return X, rows["label"].astype(np.int64)


# --- the run ------------------------------------------------------------------

MODES = ["pgdl-memory", "pgdl-stream", "pgdl-parallel", "torch-cursor", "torch-memory",
         "sorted-pgdl-memory", "sorted-pgdl-stream", "sorted-torch-cursor"]


def run(args):
    import torch
    torch.set_num_threads(1)
    conn = psycopg2.connect("")
    conn.autocommit = True
    conn.notices = Notices()
    cur = conn.cursor()
    cur.execute("SELECT info FROM bigdata_info")
    info = cur.fetchone()[0]
    lib = mlp.openblas()
    lib.openblas_set_num_threads(1)
    res = {"info": info, "epochs": args.epochs, "machine": mlp.machine(cur, lib, torch), "modes": {}}
    cur.execute("SHOW max_parallel_workers")
    res["max_parallel_workers"] = cur.fetchone()[0]
    wall0, busy0 = time.perf_counter(), mlp.busy_seconds()
    say(f"{info['rows']:,} rows x {FEATURES} float8; {args.epochs} epoch(s) per mode; modes: {' '.join(args.modes)}")

    Xt, yt = export(cur, "higgs_test")
    Xt, yt = torch.from_numpy(Xt), torch.from_numpy(yt)
    classes = 2
    m = res["modes"]
    for mode in args.modes:
        say(f"--- {mode}")
        table = "higgs_sorted" if mode.startswith("sorted-") else "higgs"
        base = mode.removeprefix("sorted-")
        name = "bd_" + mode.replace("-", "_")
        if base == "pgdl-memory":
            r = pgdl_mode(conn, name, table, {"data": "memory"}, args.epochs)
            if "skipped" in r:
                say("pgdl memory: the option \"data\" is not known to this server; training without it"
                    " (this pgdl always trains in memory)")
                r = pgdl_mode(conn, name, table, {}, args.epochs)
                r["note"] = "without the option \"data\" (unknown to this server): in memory"
            r["threads"] = "1 backend, 1 BLAS thread"
        elif base == "pgdl-stream":
            r = pgdl_mode(conn, name, table, {"data": "stream"}, args.epochs)
            r["threads"] = "1 backend, 1 BLAS thread"
        elif base == "pgdl-parallel":
            r = pgdl_mode(conn, name, table, {"parallel_workers": 2}, args.epochs, workers=2)
            r["threads"] = "up to 2 parallel workers + leader, 1 BLAS thread each"
        elif base == "torch-cursor":
            r = torch_cursor(torch, conn_tx(), table, args.epochs, classes, Xt, yt, args.fetch)
            r["threads"] = "1 torch thread (+ the backend serving the cursor)"
            say(f"PyTorch over a cursor ({table}): s/epoch " + " ".join(f"{s:.2f}" for s in r["epoch_seconds"])
                + f", test accuracy {100 * r['accuracy']:.2f} %")
        elif base == "torch-memory":
            t0 = time.perf_counter()
            X, y = export(cur, table)
            export_s = time.perf_counter() - t0
            r = torch_memory(torch, torch.from_numpy(X), torch.from_numpy(y), args.epochs, classes, Xt, yt)
            r["export_seconds"] = export_s
            r["threads"] = "1 torch thread"
            del X, y
            say(f"PyTorch in memory: export {export_s:.1f} s, s/epoch " + " ".join(f"{s:.2f}" for s in r["epoch_seconds"])
                + f", test accuracy {100 * r['accuracy']:.2f} %")
        else:
            sys.exit(f"bigdata.py: unknown mode {mode}")
        r["table"] = table
        m[mode] = r
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)
    # the whole machine's busy time, this benchmark's processes included
    # (several backends and workers: they are not separated from the others')
    res["other_load"] = {"busy_cpu_seconds": mlp.busy_seconds() - busy0, "wall": time.perf_counter() - wall0}
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


def conn_tx():
    """a connection for the named cursor (it needs a transaction)"""
    c = psycopg2.connect("")
    c.autocommit = False
    return c


def report(path):
    res = json.load(open(path))
    info, m = res["info"], res["modes"]
    mc = res["machine"]
    print()
    print("Big data: pgdl in memory / streaming / data-parallel vs PyTorch over a cursor and in memory")
    print("=" * 92)
    print(f"machine:   {mc['cpus']} CPUs, {mc['cpu']}, {mc['mem_gib']} GiB RAM; {mc['server']}; pgdl {mc['pgdl']}")
    print(f"           PyTorch {mc['torch']}; {mc['openblas']}")
    print(f"data:      {info['rows']:,} rows x {FEATURES} float8 features + int label (HIGGS-shaped), "
          f"{info['table_bytes'] / 2**20:,.0f} MB; test {info['test_rows']:,} rows; loaded by binary COPY in "
          f"{info['load_seconds']:.1f} s")
    print(f"           labels: a fixed random teacher 28-{HIDDEN_TEACHER}(tanh)-1, flipped with probability {NOISE}:"
          f" achievable accuracy {100 * info['test_teacher_accuracy']:.2f} % on the test rows;"
          f" {100 * info['positive_fraction']:.1f} % positive")
    print(f"model:     MLP {FEATURES}-{'-'.join(map(str, LAYERS))}-2, ReLU, cross-entropy, Adam lr {LR:g}, batch {BATCH},"
          f" {res['epochs']} epoch(s), seed {SEED}, no standardization, no validation split")
    print("tables:    higgs (rows in random order), higgs_sorted (the same rows in label order)")
    print()
    ref = m.get("pgdl-memory", {})
    ref_s = min(ref["epoch_seconds"]) if ref.get("epoch_seconds") else None
    ref_acc = ref.get("accuracy")
    print(f"{'mode':24}{'table':14}{'s/epoch':>9}{'vs pgdl mem':>12}{'total s':>9}{'accuracy':>10}{'vs mem':>8}"
          "  threads / note")
    for mode in MODES:
        if mode not in m:
            continue
        r = m[mode]
        if "skipped" in r:
            print(f"{mode:24}{r['table']:14}{'skipped':>9}{'':>12}{'':>9}{'':>10}{'':>8}"
                  f"  server refused the option: {r['skipped']}")
            continue
        s = min(r["epoch_seconds"])
        ratio = f"{s / ref_s:.2f}" if ref_s else "-"
        dacc = f"{100 * (r['accuracy'] - ref_acc):+.2f}" if ref_acc is not None else "-"
        note = r.get("threads", "") + (f"; {r['note']}" if r.get("note") else "")
        if "export_seconds" in r:
            note += f"; export (binary COPY) {r['export_seconds']:.1f} s, untimed in s/epoch"
        # the whole training: pgdl's train_model (reading, training, saving); PyTorch's epochs (and export)
        total = r["wall"] if "wall" in r else sum(r["epoch_seconds"]) + r.get("export_seconds", 0.0)
        print(f"{mode:24}{r['table']:14}{s:>9.2f}{ratio:>12}{total:>9.1f}{100 * r['accuracy']:>9.2f}%{dacc:>8}  {note}")
    print()
    print("s/epoch: the best epoch (pgdl: pgdl.training_history; PyTorch over a cursor: reading and training;")
    print("PyTorch in memory: training alone).  total s: pgdl's train_model (reading the table, training, saving);")
    print("PyTorch's epochs, plus the export for in memory.  accuracy: on higgs_test after the same epochs")
    print("(pgdl.evaluate; PyTorch on the test rows in memory).")

    def ratio_line(label, a, b, target):
        if a in m and b in m and "skipped" not in m[a] and "skipped" not in m[b]:
            v = min(m[a]["epoch_seconds"]) / min(m[b]["epoch_seconds"])
            print(f"  {label:62} {v:6.2f}   target {target}")
    print("ratios (s/epoch):")
    ratio_line("pgdl stream / pgdl memory", "pgdl-stream", "pgdl-memory", "<= 1.2")
    ratio_line("pgdl stream / PyTorch over a cursor", "pgdl-stream", "torch-cursor", "<= 0.33 (3x faster)")
    ratio_line("pgdl memory / PyTorch over a cursor", "pgdl-memory", "torch-cursor", "")
    ratio_line("pgdl memory / PyTorch in memory", "pgdl-memory", "torch-memory", "")
    ratio_line("pgdl parallel (2 workers) / pgdl memory (serial)", "pgdl-parallel", "pgdl-memory", "<= 0.625 (1.6x)")

    def acc_line(label, a, b):
        if a in m and b in m and "skipped" not in m[a] and "skipped" not in m[b]:
            print(f"  {label:62} {100 * (m[a]['accuracy'] - m[b]['accuracy']):+6.2f}   target within 1 point")
    print("accuracy differences (points):")
    acc_line("pgdl stream - pgdl memory", "pgdl-stream", "pgdl-memory")
    acc_line("pgdl parallel - pgdl memory", "pgdl-parallel", "pgdl-memory")
    acc_line("label-ordered table, pgdl stream - shuffled table, pgdl stream", "sorted-pgdl-stream", "pgdl-stream")
    acc_line("label-ordered table, pgdl memory - shuffled table, pgdl memory", "sorted-pgdl-memory", "pgdl-memory")
    acc_line("label-ordered table, PyTorch cursor - shuffled, PyTorch cursor", "sorted-torch-cursor", "torch-cursor")
    o = res["other_load"]
    print(f"the whole machine was busy {o['busy_cpu_seconds']:.0f} CPU-s in the {o['wall']:.0f} s of the run"
          f" ({100 * o['busy_cpu_seconds'] / o['wall']:.0f}% of one CPU, this benchmark included): other jobs share it")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--test-rows", type=int, default=100_000)
    p = sub.add_parser("run")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--fetch", type=int, default=10_000, help="rows a PyTorch cursor fetch brings")
    p.add_argument("--modes", nargs="+", default=MODES, choices=MODES)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("file")
    args = ap.parse_args()
    {"load": load, "run": run, "report": lambda a: report(a.file)}[args.cmd](args)


if __name__ == "__main__":
    main()
