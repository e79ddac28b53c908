"""Positions per second through the shared evaluator (tengen/nets/evaluator.py).

One caller submitting batches of 1, 8, 64 and 256 19x19 positions (planes computed by
the caller, as in play), then several threads each submitting one position at a time,
which the worker gathers into shared forward passes.

    python benchmarks/speed/bench_evaluator.py [--model PATH] [--seconds 3] [--bf16] [--device cpu]
"""
from __future__ import annotations

import argparse
import random
import threading
import time

import torch

from tengen.engine.game import GameState
from tengen.nets import SHIPPED_NET
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402


def positions(count: int, moves: int = 60, seed: int = 0) -> list[GameState]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        g = GameState(19)
        for _ in range(moves):
            legal = g.sensible_moves()
            g.play(rng.choice(legal) if legal else 0)
        out.append(g)
    return out


def rate(work, seconds: float) -> tuple[float, int]:
    """Calls of ``work`` (each returns positions done) for ``seconds``: positions/s."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    return done / (time.perf_counter() - start), done


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(SHIPPED_NET))
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    add_json_arg(p)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, _ = load_checkpoint(args.model)
    ev = SharedEvaluator(model, EvaluatorConfig(device=args.device, bf16=args.bf16))
    pool = positions(256)
    ev.evaluate(pool[:8])  # warm up kernels and JIT caches
    out = {"model": f"b{model.cfg.blocks}c{model.cfg.channels}",
           "device": args.device, "bf16": args.bf16, "torch_threads": torch.get_num_threads()}
    for batch in (1, 8, 64, 256):
        r, _ = rate(lambda: len(ev.evaluate(pool[:batch])[1]), args.seconds)
        out[f"positions_per_s_batch{batch}"] = round(r, 1)
    for callers in (8, 32):
        stop = threading.Event()
        counts = [0] * callers
        passes0, pos0 = ev.stats["forward_passes"], ev.stats["positions"]

        def ask(k):
            while not stop.is_set():
                ev.evaluate([pool[k]])
                counts[k] += 1

        threads = [threading.Thread(target=ask, args=(k,)) for k in range(callers)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        passes = ev.stats["forward_passes"] - passes0
        out[f"positions_per_s_{callers}_threads"] = round(sum(counts) / elapsed, 1)
        out[f"mean_batch_{callers}_threads"] = round(
            (ev.stats["positions"] - pos0) / max(passes, 1), 1)
    ev.close()
    report(out, args.json)


if __name__ == "__main__":
    main()
