"""Each evaluator path side by side: positions/s by batch size and the accuracy it keeps.

For torch fp32, ONNX Runtime fp32 and ONNX Runtime's int8 tower (``tengen.nets.int8``):
positions/s through ``SharedEvaluator.evaluate_planes`` at batch 1 / 8 / 64 on real
19x19 positions (rounds alternate the paths, since identical runs here differ by 10-40%),
then top-1, top-5 and value MSE on every position of the first ``--games`` games of the
validation archive, and how often each path picks the first path's top move.

    python benchmarks/speed/bench_backends.py --games 100 --threads 1
    python benchmarks/speed/bench_backends.py --net runs/value_vd32/best.pt --games 100
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from tengen.nets import SHIPPED_NET
from tengen.nets.accuracy import archive_positions, rows_planes
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint

KGS = Path(os.environ.get("TENGEN_KGS_DIR", Path(__file__).parents[3] / "shared" / "kgs"))


def speed(ev: SharedEvaluator, planes: np.ndarray, batch: int, seconds: float) -> float:
    ev.evaluate_planes(planes[:batch])  # warm
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        i = (done // batch * batch) % max(1, len(planes) - batch + 1)
        done += len(ev.evaluate_planes(planes[i:i + batch])[1])
    return done / (time.perf_counter() - t0)


def answers(ev: SharedEvaluator, planes: np.ndarray, chunk: int = 256):
    probs, values = [], []
    for i in range(0, len(planes), chunk):
        p, v = ev.evaluate_planes(planes[i:i + chunk])
        probs.append(p.argsort(1)[:, -5:])  # top 5, best last
        values.append(v)
    return np.concatenate(probs), np.concatenate(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", default=str(SHIPPED_NET))
    ap.add_argument("--archive", default=str(KGS / "KGS-2017_05-19-847-.tar.gz"))
    ap.add_argument("--games", type=int, default=100)
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx", "int8"])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="threads of each path")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, _ = load_checkpoint(args.net)
    evs = {b: SharedEvaluator(model, EvaluatorConfig(backend=b)) for b in args.backends}
    rows, used, _ = archive_positions(args.archive, args.games)
    planes = rows_planes(rows)
    moves = np.array([r[4] for r in rows])
    outcome = np.array([r[5] for r in rows], np.float32)
    rates = {b: {n: [] for n in args.batches} for b in args.backends}
    for _ in range(args.rounds):
        for n in args.batches:
            for b, ev in evs.items():
                rates[b][n].append(round(speed(ev, planes, n, args.seconds), 1))
    known = outcome != 0
    ref_top = None
    print(f"{args.net}: {used} games, {len(rows)} positions of {args.archive}; "
          f"{args.threads} thread(s), {args.rounds} rounds of {args.seconds} s")
    print("| path | " + " | ".join(f"batch {n}" for n in args.batches)
          + f" | top-1 | top-5 | value MSE | same top move as {args.backends[0]} |")
    print("|---|" + "---|" * (len(args.batches) + 4))
    for b, ev in evs.items():
        top, v = answers(ev, planes)
        ref_top = top[:, -1] if ref_top is None else ref_top
        row = {"path": b, "positions_per_s": rates[b],
               "top1": round(float((top[:, -1] == moves).mean()), 4),
               "top5": round(float((top == moves[:, None]).any(1).mean()), 4),
               "value_mse": round(float(((v - outcome)[known] ** 2).mean()), 4),
               "same_top_as_first": round(float((top[:, -1] == ref_top).mean()), 4),
               "int8_check": ev.int8_check}
        print(json.dumps(row))
        print(f"| {b} | " + " | ".join("/".join(f"{r:.0f}" for r in rates[b][n])
                                       for n in args.batches)
              + f" | {row['top1']:.2%} | {row['top5']:.2%} | {row['value_mse']:.4f} | "
              f"{row['same_top_as_first']:.2%} |")


if __name__ == "__main__":
    main()
