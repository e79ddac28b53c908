"""Tree search speed on 19x19 with the shipped network on this machine's CPU:
simulations per second at batch 1, 8 and 16, for lam = 0.5 (rollouts in a worker thread
beside the network) and lam = 0 (network only), and the share of search time spent
outside network calls (``non_nn_fraction``). Prints one JSON object as its last line.

    python benchmarks/speed/bench_mcts.py --threads 1 --busy 1 --batches 8   # beside a busy core
"""
import argparse
import itertools
import os
import time
from pathlib import Path

import torch

from tengen.engine.search.mcts import MCTS, SearchConfig
from tengen.engine.rollout.policy import RolloutPolicy
from tengen.engine.search.state import SimState
from tengen.engine.sgf import read_sgf
from tengen.nets import SHIPPED_NET
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint

import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]  # the repository


def measure(evaluator, lam, batch, seconds, state, in_flight=1):
    mcts = MCTS(evaluator, SearchConfig(lam=lam, batch=batch, cache_size=0, in_flight=in_flight),
                RolloutPolicy(seed=1) if lam > 0 else None)
    mcts.set_root(state)
    mcts.search(visits=2 * batch)  # root and a first batch: warm
    for k in mcts.stats:
        mcts.stats[k] = 0
    t = time.perf_counter()
    mcts.search(deadline=time.monotonic() + seconds)
    dt = time.perf_counter() - t
    st = mcts.stats
    mcts.close()
    return {"sims_per_s": round(st["simulations"] / dt, 1),
            # with batches in flight network calls overlap, and the share means nothing
            "non_nn_fraction": round(1 - st["nn_time"] / dt, 3) if in_flight == 1 else None,
            "rollout_wait_fraction": round(st["wait_rollouts"] / dt, 3),
            "positions_per_nn_call": round(st["nn_positions"] / max(st["nn_calls"], 1), 2)}


def busy_processes(n: int) -> list:
    """``n`` processes that spin on a core each: another engine, a test run."""
    import subprocess
    import sys
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--busy", type=int, default=0, help="competing busy processes")
    ap.add_argument("--lams", default="0.5,0", help="comma-separated")
    ap.add_argument("--batches", default="1,8,16", help="comma-separated")
    ap.add_argument("--backend", default="torch", help="torch, onnx, int8 or auto (EvaluatorConfig)")
    ap.add_argument("--in-flight", default="1", help="comma-separated: batches out at once "
                    "(SearchConfig.in_flight; the evaluator runs that many passes at once)")
    add_json_arg(ap)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, _ = load_checkpoint(str(SHIPPED_NET))
    flights = [int(v) for v in args.in_flight.split(",")]
    ev = SharedEvaluator(model, EvaluatorConfig(backend=args.backend, parallel=max(flights)))
    g = read_sgf(ROOT / "sgf_data" / "handicap4_19x19_opening.sgf").to_game_state()
    state = SimState.from_game(g)
    out = {"threads": torch.get_num_threads(), "busy": args.busy, "backend": args.backend,
           "routes": {str(k): v for k, v in ev.routes.items()},
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
           "position_moves": len(g.moves)}
    rivals = busy_processes(args.busy)
    try:
        _measure_all(args, ev, state, out)
    finally:
        for r in rivals:
            r.kill()
    report(out, args.json)


def _measure_all(args, ev, state, out) -> None:
    settings = itertools.product([float(v) for v in args.lams.split(",")],
                                 [int(v) for v in args.batches.split(",")],
                                 [int(v) for v in args.in_flight.split(",")])
    for lam, batch, flight in settings:
        r = measure(ev, lam, batch, args.seconds, state, flight)
        print(f"lam={lam} batch={batch} in_flight={flight}: {r}", flush=True)
        tag = f"lam{lam:g}".replace(".", "") + (f"_f{flight}" if flight > 1 else "")
        out[f"sims_per_s_b{batch}_{tag}"] = r["sims_per_s"]
        out[f"non_nn_fraction_b{batch}_{tag}"] = r["non_nn_fraction"]
        if lam == 0.5 and flight == 1:
            out[f"sims_per_s_b{batch}"] = r["sims_per_s"]
            if batch == 8:
                out["non_nn_fraction_b8"] = r["non_nn_fraction"]

if __name__ == "__main__":
    main()
