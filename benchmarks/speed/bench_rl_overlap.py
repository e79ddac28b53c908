"""RL iterations per hour with and without ``--overlap`` (the workers playing the next
iteration's games while the learner trains on this one's), the same run otherwise.

    python benchmarks/speed/bench_rl_overlap.py --iterations 5 --batch-size 16 --workers 1
    python benchmarks/speed/bench_rl_overlap.py --ray local --workers 2

Each mode runs ``tengen rl`` from the shipped network in a fresh folder; the first
iteration (nothing to overlap with, workers starting) and the last (the loop's closing
match against the SL network, 2 games here) are left out of the timing, which is read
from the log's ``elapsed_s`` column (one row per iteration).
"""
from __future__ import annotations

import argparse
import csv
import os
import tempfile

from tengen.selfplay.policy_gradient import train_rl
from tengen.selfplay.rl_config import RLConfig


def seconds_per_iteration(log: str) -> float:
    with open(log) as f:
        rows = list(csv.DictReader(f))[:-1]  # the last row's time holds the closing match
    first, last = rows[0], rows[-1]
    return (float(last["elapsed_s"]) - float(first["elapsed_s"])) / (
        int(last["iteration"]) - int(first["iteration"]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=6, help="at least 3")
    p.add_argument("--batch-size", type=int, default=16, help="games per iteration")
    p.add_argument("--workers", type=int, default=1, help="self-play processes or actors")
    p.add_argument("--threads", type=int, default=1, help="the learner's torch threads")
    p.add_argument("--train-fraction", type=float, default=1.0)
    p.add_argument("--size", type=int, default=19)
    p.add_argument("--ray", default="")
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    print(f"{os.cpu_count()} cores; {args.workers} workers{' (Ray)' if args.ray else ''}; "
          f"learner {args.threads} threads; {args.batch_size} games an iteration; "
          f"train fraction {args.train_fraction}")
    result = {}
    for overlap in (False, True):
        with tempfile.TemporaryDirectory() as out:
            cfg = RLConfig(out=out, steps=args.iterations, batch_size=args.batch_size,
                           workers=args.workers, threads=args.threads, ray=args.ray,
                           size=args.size, device=args.device, overlap=overlap,
                           train_fraction=args.train_fraction, keep_sgf=False,
                           eval_every=10**9, eval_games=2, best_metric="")
            train_rl(cfg, progress=False)
            result[overlap] = seconds_per_iteration(os.path.join(out, cfg.log_name))
        print(f"overlap {str(overlap):5}: {result[overlap]:.1f} s an iteration, "
              f"{3600 / result[overlap]:.0f} iterations/h, "
              f"{3600 * args.batch_size / result[overlap]:.0f} games/h")
    print(f"speed-up {result[False] / result[True]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
