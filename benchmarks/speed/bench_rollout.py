"""Rollout policy speed (µs per rollout move on 19x19, shipped weights, rollouts from the
empty board to the end, scoring included) and top-1 accuracy on the validation archive.
Prints one JSON object as its last line."""
import argparse
import time
from pathlib import Path

from tengen.engine.game import GameState
from tengen.engine.rollout.policy import RolloutPolicy, load_weights
from tengen.engine.rollout.train import evaluate

import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]  # the repository
VAL = ROOT.parent / "shared" / "kgs" / "KGS-2017_05-19-847-.tar.gz"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rollouts", type=int, default=300)
    ap.add_argument("--archive", default=str(VAL))
    ap.add_argument("--games", type=int, default=None, help="validation games (default all)")
    add_json_arg(ap)
    args = ap.parse_args()
    w, meta = load_weights()
    policy = RolloutPolicy(w, seed=1)
    out = {}
    for size in (9, 19):
        g = GameState(size)
        policy.run(g, 2)  # compile / load the JIT cache
        t = time.perf_counter()
        _, _, moves = policy.run(g, args.rollouts)
        dt = time.perf_counter() - t
        out[f"us_per_move_{size}x{size}"] = round(dt / moves * 1e6, 3)
        out[f"rollouts_per_s_{size}x{size}"] = round(args.rollouts / dt, 1)
        out[f"moves_per_rollout_{size}x{size}"] = round(moves / args.rollouts, 1)
    if Path(args.archive).exists():
        t = time.perf_counter()
        ev = evaluate(w, args.archive, args.games)
        out.update(accuracy=ev["accuracy"], accuracy_positions=ev["positions"],
                   accuracy_games=ev["games"], eval_s=round(time.perf_counter() - t, 1))
    else:
        out["accuracy"] = None
        out["note"] = f"{args.archive} not found: accuracy not measured"
    report(out, args.json)


if __name__ == "__main__":
    main()
