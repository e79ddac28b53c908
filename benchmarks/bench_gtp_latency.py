"""First-response latency of ``tengen gtp``: from process start to the answer of ``name``
and of the first ``genmove`` on 19x19, with a cold Numba cache (compiles everything) and
a warm one (loads the cached machine code). Prints one JSON object as its last line.

Usage: python benchmarks/bench_gtp_latency.py [--runs N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from report import add_json_arg, report  # a sibling in benchmarks/


def one_run(cache_dir: str) -> tuple[float, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    exe = shutil.which("tengen")
    cmd = [exe, "gtp"] if exe else [sys.executable, "-m", "tengen.cli", "gtp"]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)
    p.stdin.write(b"name\n")
    p.stdin.flush()
    p.stdout.readline()
    p.stdout.readline()
    t_name = time.perf_counter() - t0
    p.stdin.write(b"genmove b\n")
    p.stdin.flush()
    p.stdout.readline()
    t_genmove = time.perf_counter() - t0
    p.stdin.write(b"quit\n")
    p.stdin.close()
    p.wait()
    return t_name, t_genmove


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    add_json_arg(ap)
    args = ap.parse_args()
    cold_name, cold_gen, warm_name, warm_gen = [], [], [], []
    for _ in range(args.runs):
        cache = tempfile.mkdtemp(prefix="tengen-numba-")
        try:
            a, b = one_run(cache)  # empty cache: compile
            cold_name.append(a)
            cold_gen.append(b)
            a, b = one_run(cache)  # same cache: load
            warm_name.append(a)
            warm_gen.append(b)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    med = statistics.median
    result = {
        "cold_name_s": round(med(cold_name), 3), "cold_first_genmove_s": round(med(cold_gen), 3),
        "warm_name_s": round(med(warm_name), 3), "warm_first_genmove_s": round(med(warm_gen), 3),
        "runs": args.runs,
    }
    report(result, args.json)


if __name__ == "__main__":
    main()
