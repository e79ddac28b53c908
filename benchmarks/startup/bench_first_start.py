"""Where a first start's time goes: Numba compiles every kernel once per install (and
caches the machine code), so the first move of a fresh install waits for it. Times each
group of kernels with an empty cache, then again with the cache it filled.

    python benchmarks/startup/bench_first_start.py
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402

STEPS = r'''
import json, sys, time
t0 = time.perf_counter()
out = {}
def lap(name):
    global t0
    t = time.perf_counter(); out[name] = round(t - t0, 2); t0 = t
from tengen.engine.game import GameState
lap("import_rules")
g = GameState(19)
for _ in range(30):
    m = g.sensible_moves(); g.play(m[len(m) // 2])
lap("board")
import torch
from tengen.nets.features import state_planes
lap("import_torch")
state_planes(g)
lap("features_and_ladders")
from tengen.engine.search.state import SimState
SimState.from_game(g).moves()
lap("search_state")
from tengen.engine.rollout.policy import RolloutPolicy
RolloutPolicy().run(g, 1)
lap("rollouts")
from tengen.engine.judge.judgment import judge
judge(g, RolloutPolicy())
lap("judge")
print(json.dumps(out))
'''


def run(cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    p = subprocess.run([sys.executable, "-c", STEPS], env=env, capture_output=True, check=True)
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_json_arg(ap)
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="tengen-numba-")
    try:
        cold, warm = run(cache), run(cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    result = {"cold_s": cold, "cold_total_s": round(sum(cold.values()), 1),
              "warm_s": warm, "warm_total_s": round(sum(warm.values()), 1)}
    report(result, args.json, rows=[{"kernels": k, "cold s": cold[k], "warm s": warm.get(k)}
                                    for k in cold])


if __name__ == "__main__":
    main()
