"""bench/benchlib.py: what the Python halves of the benchmarks share."""
import os
import subprocess
import time


def best(fn, runs):
    """The least wall time of runs calls of fn, and the last result."""
    times = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def machine(cur):
    """One line: CPUs, CPU model and the server's version."""
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    cur.execute("SELECT version()")
    return f"machine: {os.cpu_count()} CPUs, {cpu}; {cur.fetchone()[0].split(',')[0]}"


def run_report_cli(description, run, report, epochs=1, runs=3, extra=None):
    """The command line of a thread-count benchmark's Python half (the
    bench/nnbench.sh protocol): `run --threads N [--epochs E] [--runs R]
    [--torch-only] --out FILE` measures one thread count, `report FILE...`
    prints the runs; extra(parser) adds options to `run`."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("--epochs", type=int, default=epochs)
    r.add_argument("--runs", type=int, default=runs)
    r.add_argument("--torch-only", action="store_true")
    r.add_argument("--out", required=True)
    if extra:
        extra(r)
    p = sub.add_parser("report")
    p.add_argument("files", nargs="+")
    args = ap.parse_args()
    if args.cmd == "run":
        run(args)
    else:
        report(args.files)
