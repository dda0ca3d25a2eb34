"""bench/cnn.py: the measuring half of bench/cnn (see there for the method).

    cnn.py run --threads N [--epochs E] [--runs R] [--torch-only] --out FILE
        measures everything at N threads and writes the figures as JSON;
        bench/cnn runs it once per thread count, each in a fresh process
        started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    cnn.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/cnn sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  The machine, sgemm-peak, load and export helpers are
bench/mlp.py's.  Progress goes to stderr, the report to stdout.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlp  # noqa: E402
from mlp import Notices, best_of, export  # noqa: E402

SEED = 1
BATCH = 128
LR = 1e-3
MODEL = "fmnist_cnn"
TRAIN, TEST = "fashion_mnist", "fashion_mnist_test"
LAYERS = ('[{"type":"conv2d","filters":16,"kernel":3,"activation":"relu"},'
          '{"type":"maxpool2d","pool":2},'
          '{"type":"conv2d","filters":32,"kernel":3,"activation":"relu"},'
          '{"type":"maxpool2d","pool":2},'
          '{"type":"flatten"},'
          '{"type":"dense","units":10}]')
# FLOPs of one image forward: 2 * C_in * kh * kw * C_out * H_out * W_out per
# convolution ('valid', stride 1), 2 * in * out for the dense layer; the
# pools and activations are not counted.  Training counts 3 x forward.
#   conv 1->16 3x3 on 28x28 -> 16x26x26; maxpool 2 -> 16x13x13
#   conv 16->32 3x3         -> 32x11x11; maxpool 2 -> 32x5x5 = 800 -> dense 10
FLOP_CONV1 = 2 * 1 * 3 * 3 * 16 * 26 * 26
FLOP_CONV2 = 2 * 16 * 3 * 3 * 32 * 11 * 11
FLOP_DENSE = 2 * 800 * 10
FLOP_FORWARD = FLOP_CONV1 + FLOP_CONV2 + FLOP_DENSE
FLOP_TRAIN = 3 * FLOP_FORWARD
T0 = time.perf_counter()


def say(msg):
    print(f"[cnn {time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


# --- PyTorch ------------------------------------------------------------------

def torch_model(torch):
    torch.manual_seed(SEED)
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(800, 10))


def torch_half(torch, cur, args, res):
    say("PyTorch: exporting both tables into memory (untimed)")
    Xn, yn = export(cur, TRAIN)
    Xtn, ytn = export(cur, TEST)
    X = torch.from_numpy(Xn).reshape(-1, 1, 28, 28)
    Xt = torch.from_numpy(Xtn).reshape(-1, 1, 28, 28)
    y, yt = torch.from_numpy(yn), torch.from_numpy(ytn)
    res["rows_train"], res["rows_test"] = X.shape[0], Xt.shape[0]

    say(f"PyTorch: training {args.epochs} epoch(s)")
    model, seconds, losses = mlp.torch_train(torch, X, y, args.epochs, torch_model(torch))
    say("PyTorch: s/epoch " + " ".join(f"{s:.2f}" for s in seconds) +
        "; loss " + " ".join(f"{v:.4f}" for v in losses))
    with torch.no_grad():
        acc = float(torch.cat([model(Xt[i:i + 1000]).argmax(1) for i in range(0, Xt.shape[0], 1000)])
                    .eq(yt).double().mean())
    say(f"PyTorch: test accuracy {100 * acc:.2f} %")

    say("PyTorch: scoring the test set at batch 1")

    def score1():
        with torch.no_grad():
            return [int(model(Xt[i:i + 1]).argmax(1)) for i in range(Xt.shape[0])]
    t1, _ = best_of(args.runs, score1)
    res["torch"] = {"epoch_seconds": seconds, "train_loss": losses, "train_seconds": sum(seconds),
                    "accuracy": acc, "score_row_seconds": t1,
                    "parameters": sum(p.numel() for p in model.parameters())}


# --- pgdl ---------------------------------------------------------------------

def pgdl_half(cur, conn, args, res):
    conn.notices = Notices()
    cur.execute("LOAD 'pgdl'")
    cur.execute(f"SET pgdl.blas_threads = {args.threads}")
    cur.execute("SHOW pgdl.blas_threads")
    blas = cur.fetchone()[0]
    if blas != str(args.threads):
        sys.exit(f"cnn.py: pgdl.blas_threads is {blas}, not {args.threads}")

    say(f"pgdl: training {args.epochs} epoch(s)")
    options = json.dumps({"input_shape": [1, 28, 28], "epochs": args.epochs, "batch_size": BATCH,
                          "learning_rate": LR, "optimizer": "adam", "validation_fraction": 0,
                          "standardize": False, "seed": SEED})
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM pgdl.train_model(%s, %s, 'label', %s, ARRAY['pixels'], %s)",
                (MODEL, TRAIN, LAYERS, options))
    row = dict(zip([d.name for d in cur.description], cur.fetchone()))
    wall = time.perf_counter() - t0
    cur.execute("SELECT epoch, seconds, train_loss FROM pgdl.training_history"
                " WHERE name = %s AND version = %s ORDER BY epoch", (MODEL, row["version"]))
    hist = cur.fetchall()
    seconds, losses = [float(r[1]) for r in hist], [float(r[2]) for r in hist]
    if len(seconds) != args.epochs:
        sys.exit(f"cnn.py: pgdl.training_history has {len(seconds)} epochs of {MODEL}@{row['version']}, "
                 f"expected {args.epochs}")
    say(f"pgdl: {MODEL}@{row['version']}, s/epoch " + " ".join(f"{s:.2f}" for s in seconds) +
        "; loss " + " ".join(f"{v:.4f}" for v in losses))
    cur.execute(f"SELECT value FROM pgdl.evaluate('{MODEL}', '{TEST}', 'label') WHERE metric = 'accuracy'")
    acc = float(cur.fetchone()[0])
    say(f"pgdl: test accuracy {100 * acc:.2f} % (pgdl.evaluate)")
    cur.execute(f"SELECT l->>'type', l->>'output_shape', l->>'parameters'"
                f" FROM jsonb_array_elements(pgdl.model_info('{MODEL}')->'layers') l")
    layers = [list(r) for r in cur.fetchall()]

    say("pgdl: scoring the test set with SELECT count(pgdl.predict(...))")
    q = f"SELECT count(pgdl.predict('{MODEL}', pixels)) FROM {TEST}"
    cur.execute(q)                                  # warm-up: loads the model
    if cur.fetchone()[0] != res["rows_test"]:
        sys.exit(f"cnn.py: {q} did not count {res['rows_test']} rows")
    t1, _ = best_of(args.runs, lambda: (cur.execute(q), cur.fetchone()))
    res["pgdl"] = {"version": row["version"], "parameters": row["parameters"], "train_loss": losses,
                   "epoch_seconds": seconds, "train_seconds": float(row["seconds"]), "train_wall": wall,
                   "accuracy": acc, "blas_threads": blas, "score_row_seconds": t1, "layers": layers}


def run(args):
    mlp.run(args, torch_half, pgdl_half, say)


# --- the report ---------------------------------------------------------------

def report(files):
    runs = sorted((json.load(open(f)) for f in files), key=lambda r: r["threads"])
    m, first = runs[0]["machine"], runs[0]
    W = 14 + 9 * 3 + 8
    print()
    print("pgdl vs PyTorch CPU: a CNN on Fashion-MNIST")
    print("===========================================")
    print(f"machine:   {m['cpus']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    print(f"software:  {m['server']}; pgdl {m['pgdl'] or '(not measured: --torch-only)'}")
    print(f"           PyTorch {m['torch']}, {m['torch_backend']}; numpy {m['numpy']}, python {m['python']}")
    print(f"           {m['openblas']} (the sgemm of PyTorch and pgdl alike)")
    print(f"data:      {first['rows_train']:,} training / {first['rows_test']:,} test images, pixels / 255 as real[784],"
          " input_shape [1,28,28]")
    print("model:     conv 1->16 3x3 ReLU, maxpool 2, conv 16->32 3x3 ReLU, maxpool 2, flatten, dense 800->10;"
          f" softmax cross-entropy, Adam lr {LR:g}, batch {BATCH}, float32,")
    print(f"           {first['epochs']} epoch(s), seed {SEED}, no validation split, no standardization"
          f" ({first['torch']['parameters']:,} parameters)")
    print("threads:   " + ", ".join(str(r["threads"]) for r in runs) +
          ": PyTorch torch.set_num_threads(n) and openblas_set_num_threads(n); pgdl SET pgdl.blas_threads = n;"
          " max_parallel_workers_per_gather = 0")
    print("sgemm peak (1024x1024x1024 float32, best of 10 at the start and 10 at the end): " + "; ".join(
        f"{r['threads']} thread(s): cblas_sgemm {r['peak_openblas']:.1f} GFLOP/s, torch.mm {r['peak_torch_mm']:.1f}"
        for r in runs))
    print(f"FLOPs:     forward {FLOP_FORWARD:,} an image (conv1 {FLOP_CONV1:,}, conv2 {FLOP_CONV2:,},"
          f" dense {FLOP_DENSE:,}); training counted as 3 x forward = {FLOP_TRAIN / 1e6:.2f} MFLOP an image")
    print(f"scoring:   best of {first['runs']} runs after one warm-up; {first['rows_test']:,} test rows")
    print()

    def fmt(v, spec):
        return "pending" if v is None else format(v, spec)

    def cells(pg, pt, spec, ratio, target):
        rv = None if pg is None or pt is None else ratio(pg, pt)
        verdict = "" if rv is None or target is None else target(rv)
        verdict = {True: "met", False: "MISSED"}.get(verdict, verdict)
        return f"{fmt(pg, spec):>9}{fmt(pt, spec):>9}{format(rv, '.2f') if rv is not None else '-':>9}  {verdict:<6}"

    head1 = "".join(f"{str(r['threads']) + ' thread' + ('s' if r['threads'] > 1 else ''):^{W}}" for r in runs)
    head2 = "".join(f"{'pgdl':>9}{'PyTorch':>9}{'ratio':>9}  {'':<6}" for r in runs)
    print(f"{'':44}{head1}   ratio, target")
    print(f"{'':44}{head2}")

    def line(label, get, spec, ratio=lambda a, b: a / b, target=None, note=""):
        print(f"{label:44}" + "".join(cells(*get(r), spec, ratio, target) for r in runs) + f"   {note}")

    def pg(r, key):
        d = r.get("pgdl")
        return None if d is None else d[key]

    def best(xs):
        return None if xs is None else min(xs)

    n_train, n_test = first["rows_train"], first["rows_test"]
    print("1. training")
    line("   s/epoch, best epoch", lambda r: (best(pg(r, "epoch_seconds")), min(r["torch"]["epoch_seconds"])),
         ".3f", target=lambda v: v <= 0.5, note="pgdl/PyTorch <= 0.5")
    if first["epochs"] > 1:
        line("   s/epoch, median of the epochs",
             lambda r: (pg(r, "epoch_seconds") and statistics.median(pg(r, "epoch_seconds")),
                        statistics.median(r["torch"]["epoch_seconds"])), ".3f", note="pgdl/PyTorch")
    line("   s, all epochs (pgdl: train_model's)", lambda r: (pg(r, "train_seconds"), r["torch"]["train_seconds"]),
         ".2f", note="pgdl/PyTorch; pgdl's reads the table too")
    line("   images/s (best epoch)",
         lambda r: (pg(r, "epoch_seconds") and n_train / best(pg(r, "epoch_seconds")),
                    n_train / min(r["torch"]["epoch_seconds"])), ",.0f", note="pgdl/PyTorch")
    line(f"   GFLOP/s (best epoch; {FLOP_TRAIN / 1e6:.2f} MFLOP an image)",
         lambda r: (pg(r, "epoch_seconds") and n_train * FLOP_TRAIN / best(pg(r, "epoch_seconds")) / 1e9,
                    n_train * FLOP_TRAIN / min(r["torch"]["epoch_seconds"]) / 1e9), ".1f", note="pgdl/PyTorch")
    line("   % of the cblas_sgemm peak",
         lambda r: (pg(r, "epoch_seconds") and 100 * n_train * FLOP_TRAIN / best(pg(r, "epoch_seconds")) / 1e9
                    / r["peak_openblas"],
                    100 * n_train * FLOP_TRAIN / min(r["torch"]["epoch_seconds"]) / 1e9 / r["peak_openblas"]),
         ".1f", ratio=lambda a, b: a - b, note="pgdl - PyTorch, points")
    line("   final training loss", lambda r: (pg(r, "train_loss") and pg(r, "train_loss")[-1],
                                              r["torch"]["train_loss"][-1]), ".4f", note="pgdl/PyTorch")
    print(f"2. test accuracy after {first['epochs']} epoch(s), %")
    line("   accuracy",
         lambda r: (None if pg(r, "accuracy") is None else 100 * pg(r, "accuracy"), 100 * r["torch"]["accuracy"]),
         ".2f", ratio=lambda a, b: a - b, target=lambda v: "above" if v > 1.5 else v >= -1.5,
         note="pgdl - PyTorch, |diff| <= 1.5 points (\"above\": pgdl more accurate by more)")
    print("3. scoring the test set, rows/s")
    line("   per row: predict() vs PyTorch batch 1",
         lambda r: (pg(r, "score_row_seconds") and n_test / pg(r, "score_row_seconds"),
                    n_test / r["torch"]["score_row_seconds"]), ",.0f", note="pgdl/PyTorch")
    print()
    for r in runs:
        t = r["torch"]
        print(f"{r['threads']} thread(s), PyTorch s/epoch: " + " ".join(f"{s:.2f}" for s in t["epoch_seconds"]) +
              "; loss: " + " ".join(f"{v:.3f}" for v in t["train_loss"]))
        if r.get("pgdl"):
            p = r["pgdl"]
            print(f"{r['threads']} thread(s), pgdl    s/epoch: " + " ".join(f"{s:.2f}" for s in p["epoch_seconds"]) +
                  "; loss: " + " ".join(f"{v:.3f}" for v in p["train_loss"]) +
                  f"  ({MODEL}@{p['version']}, {p['parameters']:,} parameters, train_model {p['train_wall']:.2f} s wall)")
        o = r["other_load"]
        print(f"{r['threads']} thread(s): other processes on the machine used {o['cpu_seconds']:.1f} CPU-s in the"
              f" {o['wall']:.0f} s of this run ({100 * o['cpu_seconds'] / o['wall']:.0f}% of one CPU)")
    p = next((r["pgdl"] for r in runs if r.get("pgdl")), None)
    if p:
        print("pgdl.model_info layers: " + "; ".join(f"{t} {s} ({n} params)" for t, s, n in p["layers"]))
    print()
    print("ratios: pgdl / PyTorch of each figure (seconds: < 1 means pgdl is faster; rates: > 1 does);")
    print("accuracy and % of peak: the difference in points.  FLOPs count the convolutions and the dense layer only")
    print("(2 C_in kh kw C_out H_out W_out a convolution), x 3 for a training step, the same for both sides; the")
    print("first convolution needs no input gradient, so the work really done is a little less.  PyTorch batch 1")
    print("takes its images from an in-memory tensor; pgdl.predict reads each row through the executor.")
    if first["torch_only"]:
        print("pgdl: pending (run without --torch-only).")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--epochs", type=int, default=1)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--torch-only", action="store_true")
    r.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("files", nargs="+")
    args = ap.parse_args()
    if args.cmd == "run":
        run(args)
    else:
        report(args.files)


if __name__ == "__main__":
    main()
