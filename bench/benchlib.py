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
