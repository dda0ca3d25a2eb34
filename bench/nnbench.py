"""bench/nnbench.py: the side-by-side harness of the image-model benchmarks
(bench/cnn.py, bench/lstm.py, bench/transformer.py).

Each of those describes its model in a Bench: the pgdl layers and
input_shape, the same network in PyTorch, its FLOPs an image and the lines of
its report.  This module measures it, one thread count a process, as bench/cnn
describes: pgdl.train_model from the table against PyTorch on tensors in
memory (the training loop, sgemm peak, load and export helpers are
bench/mlp.py's), test accuracy after the same epochs, per-row
SELECT count(pgdl.predict(...)) against PyTorch at batch 1; and prints the
table of the thread counts with the ratios.
"""
import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import psycopg2

import mlp
from mlp import Notices, best_of, export

SEED = mlp.SEED
BATCH = mlp.BATCH
LR = mlp.LR
TRAIN, TEST = mlp.TRAIN, mlp.TEST


@dataclass
class Bench:
    name: str                       # "cnn": the script's and the progress lines' name
    title: str                      # "a CNN on Fashion-MNIST"
    model: str                      # pgdl's model name
    layers: str                     # pgdl's layers (JSON)
    input_shape: List[int]          # pgdl's input_shape; PyTorch's tensors are (N, *input_shape)
    torch_model: Callable           # torch -> the nn.Module, seeded
    flop_forward: int               # FLOPs of one image forward
    flop_note: str                  # the report's "FLOPs:" line, after the forward count
    model_lines: Tuple[str, str]    # the report's "model:" line and its continuation's start
    train_target: Optional[float]   # pgdl's epoch time / PyTorch's at most (None: no target)
    notes: List[str]                # the report's closing lines
    pending_note: str = "pgdl: pending (run without --torch-only)."

    @property
    def flop_train(self):
        return 3 * self.flop_forward


class Run:
    """One thread count's measurement of a Bench (cli: `run`)."""

    def __init__(self, bench):
        self.b = bench
        self.t0 = time.perf_counter()

    def say(self, msg):
        print(f"[{self.b.name} {time.perf_counter() - self.t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    # --- PyTorch --------------------------------------------------------------

    def torch_half(self, torch, cur, args, res):
        b, say = self.b, self.say
        say("PyTorch: exporting both tables into memory (untimed)")
        Xn, yn = export(cur, TRAIN)
        Xtn, ytn = export(cur, TEST)
        X = torch.from_numpy(Xn).reshape(-1, *b.input_shape)
        Xt = torch.from_numpy(Xtn).reshape(-1, *b.input_shape)
        y, yt = torch.from_numpy(yn), torch.from_numpy(ytn)
        res["rows_train"], res["rows_test"] = X.shape[0], Xt.shape[0]

        say(f"PyTorch: training {args.epochs} epoch(s)")
        model, seconds, losses = mlp.torch_train(torch, X, y, args.epochs, b.torch_model(torch))
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

    # --- pgdl -----------------------------------------------------------------

    def pgdl_half(self, cur, conn, args, res):
        b, say, name = self.b, self.say, self.b.name + ".py"
        conn.notices = Notices()
        cur.execute("LOAD 'pgdl'")
        cur.execute(f"SET pgdl.blas_threads = {args.threads}")
        cur.execute("SHOW pgdl.blas_threads")
        blas = cur.fetchone()[0]
        if blas != str(args.threads):
            sys.exit(f"{name}: pgdl.blas_threads is {blas}, not {args.threads}")

        say(f"pgdl: training {args.epochs} epoch(s)")
        options = json.dumps({"input_shape": b.input_shape, "epochs": args.epochs, "batch_size": BATCH,
                              "learning_rate": LR, "optimizer": "adam", "validation_fraction": 0,
                              "standardize": False, "seed": SEED})
        t0 = time.perf_counter()
        try:
            cur.execute("SELECT * FROM pgdl.train_model(%s, %s, 'label', %s, ARRAY['pixels'], %s)",
                        (b.model, TRAIN, b.layers, options))
        except psycopg2.Error as e:     # e.g. a layer type this pgdl does not have yet
            sys.exit(f"{name}: pgdl.train_model rejected the model: {e.pgerror.strip() if e.pgerror else e}"
                     f"\n{name}: run bench/{b.name} --torch-only for the PyTorch half alone")
        row = dict(zip([d.name for d in cur.description], cur.fetchone()))
        wall = time.perf_counter() - t0
        cur.execute("SELECT epoch, seconds, train_loss FROM pgdl.training_history"
                    " WHERE name = %s AND version = %s ORDER BY epoch", (b.model, row["version"]))
        hist = cur.fetchall()
        seconds, losses = [float(r[1]) for r in hist], [float(r[2]) for r in hist]
        if len(seconds) != args.epochs:
            sys.exit(f"{name}: pgdl.training_history has {len(seconds)} epochs of {b.model}@{row['version']}, "
                     f"expected {args.epochs}")
        say(f"pgdl: {b.model}@{row['version']}, s/epoch " + " ".join(f"{s:.2f}" for s in seconds) +
            "; loss " + " ".join(f"{v:.4f}" for v in losses))
        cur.execute(f"SELECT value FROM pgdl.evaluate('{b.model}', '{TEST}', 'label') WHERE metric = 'accuracy'")
        acc = float(cur.fetchone()[0])
        say(f"pgdl: test accuracy {100 * acc:.2f} % (pgdl.evaluate)")
        cur.execute(f"SELECT l->>'type', l->>'output_shape', l->>'parameters'"
                    f" FROM jsonb_array_elements(pgdl.model_info('{b.model}')->'layers') l")
        layers = [list(r) for r in cur.fetchall()]

        say("pgdl: scoring the test set with SELECT count(pgdl.predict(...))")
        q = f"SELECT count(pgdl.predict('{b.model}', pixels)) FROM {TEST}"
        cur.execute(q)                                  # warm-up: loads the model
        if cur.fetchone()[0] != res["rows_test"]:
            sys.exit(f"{name}: {q} did not count {res['rows_test']} rows")
        t1, _ = best_of(args.runs, lambda: (cur.execute(q), cur.fetchone()))
        res["pgdl"] = {"version": row["version"], "parameters": row["parameters"], "train_loss": losses,
                       "epoch_seconds": seconds, "train_seconds": float(row["seconds"]), "train_wall": wall,
                       "accuracy": acc, "blas_threads": blas, "score_row_seconds": t1, "layers": layers}

    def run(self, args):
        mlp.run(args, self.torch_half, self.pgdl_half, self.say)


# --- the report ---------------------------------------------------------------

def report(b, files):
    runs = sorted((json.load(open(f)) for f in files), key=lambda r: r["threads"])
    m, first = runs[0]["machine"], runs[0]
    W = 14 + 9 * 3 + 8
    heading = f"pgdl vs PyTorch CPU: {b.title}"
    shape = ",".join(str(d) for d in b.input_shape)
    print()
    print(heading)
    print("=" * len(heading))
    print(f"machine:   {m['cpus']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    print(f"software:  {m['server']}; pgdl {m['pgdl'] or '(not measured: --torch-only)'}")
    print(f"           PyTorch {m['torch']}, {m['torch_backend']}; numpy {m['numpy']}, python {m['python']}")
    print(f"           {m['openblas']} (the sgemm of PyTorch and pgdl alike)")
    print(f"data:      {first['rows_train']:,} training / {first['rows_test']:,} test images, pixels / 255 as real[784],"
          f" input_shape [{shape}]")
    print(f"model:     {b.model_lines[0]}; softmax cross-entropy, Adam lr {LR:g}, batch {BATCH}, float32,")
    print(f"           {b.model_lines[1]}{first['epochs']} epoch(s), seed {SEED}, no validation split,"
          f" no standardization ({first['torch']['parameters']:,} parameters)")
    print("threads:   " + ", ".join(str(r["threads"]) for r in runs) +
          ": PyTorch torch.set_num_threads(n) and openblas_set_num_threads(n); pgdl SET pgdl.blas_threads = n;"
          " max_parallel_workers_per_gather = 0")
    print("sgemm peak (1024x1024x1024 float32, best of 10 at the start and 10 at the end): " + "; ".join(
        f"{r['threads']} thread(s): cblas_sgemm {r['peak_openblas']:.1f} GFLOP/s, torch.mm {r['peak_torch_mm']:.1f}"
        for r in runs))
    print(f"FLOPs:     forward {b.flop_forward:,} an image ({b.flop_note}); training counted as 3 x forward"
          f" = {b.flop_train / 1e6:.2f} MFLOP an image")
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

    n_train, n_test, ft = first["rows_train"], first["rows_test"], b.flop_train
    print("1. training")
    line("   s/epoch, best epoch", lambda r: (best(pg(r, "epoch_seconds")), min(r["torch"]["epoch_seconds"])),
         ".3f", target=None if b.train_target is None else lambda v: v <= b.train_target,
         note="pgdl/PyTorch" + ("" if b.train_target is None else f" <= {b.train_target:g}"))
    if first["epochs"] > 1:
        line("   s/epoch, median of the epochs",
             lambda r: (pg(r, "epoch_seconds") and statistics.median(pg(r, "epoch_seconds")),
                        statistics.median(r["torch"]["epoch_seconds"])), ".3f", note="pgdl/PyTorch")
    line("   s, all epochs (pgdl: train_model's)", lambda r: (pg(r, "train_seconds"), r["torch"]["train_seconds"]),
         ".2f", note="pgdl/PyTorch; pgdl's reads the table too")
    line("   images/s (best epoch)",
         lambda r: (pg(r, "epoch_seconds") and n_train / best(pg(r, "epoch_seconds")),
                    n_train / min(r["torch"]["epoch_seconds"])), ",.0f", note="pgdl/PyTorch")
    line(f"   GFLOP/s (best epoch; {ft / 1e6:.2f} MFLOP an image)",
         lambda r: (pg(r, "epoch_seconds") and n_train * ft / best(pg(r, "epoch_seconds")) / 1e9,
                    n_train * ft / min(r["torch"]["epoch_seconds"]) / 1e9), ".1f", note="pgdl/PyTorch")
    line("   % of the cblas_sgemm peak",
         lambda r: (pg(r, "epoch_seconds") and 100 * n_train * ft / best(pg(r, "epoch_seconds")) / 1e9
                    / r["peak_openblas"],
                    100 * n_train * ft / min(r["torch"]["epoch_seconds"]) / 1e9 / r["peak_openblas"]),
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
                  f"  ({b.model}@{p['version']}, {p['parameters']:,} parameters,"
                  f" train_model {p['train_wall']:.2f} s wall)")
        o = r["other_load"]
        print(f"{r['threads']} thread(s): other processes on the machine used {o['cpu_seconds']:.1f} CPU-s in the"
              f" {o['wall']:.0f} s of this run ({100 * o['cpu_seconds'] / o['wall']:.0f}% of one CPU)")
    p = next((r["pgdl"] for r in runs if r.get("pgdl")), None)
    if p:
        print("pgdl.model_info layers: " + "; ".join(f"{t} {s} ({n} params)" for t, s, n in p["layers"]))
    print()
    print("ratios: pgdl / PyTorch of each figure (seconds: < 1 means pgdl is faster; rates: > 1 does);")
    for note in b.notes:
        print(note)
    if first["torch_only"]:
        print(b.pending_note)


def main(b):
    """The command line of bench/<name>.py: `run` one thread count, or `report` the runs."""
    ap = argparse.ArgumentParser(description=f"bench/{b.name}.py: the measuring half of bench/{b.name}")
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
        Run(b).run(args)
    else:
        report(b, args.files)
