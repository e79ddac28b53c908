"""The value network against the rollouts at chosen moves of one game record: the shipped
net's value for one side and the share of playouts that side wins, before each move.

    python experiments/value_probe.py game-0024.sgf --side B --moves 201,241,274,331
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from tengen.engine.board import BLACK, WHITE
from tengen.engine.rollout.policy import RolloutPolicy
from tengen.engine.sgf import read_sgf
from tengen.nets.checkpoint import load_checkpoint
from tengen.nets.features import state_planes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sgf")
    ap.add_argument("--side", choices=("B", "W"), required=True, help="whose chances")
    ap.add_argument("--moves", required=True, help="move numbers, comma-separated")
    ap.add_argument("--net", default="sl")
    ap.add_argument("--rollouts", type=int, default=200)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    side = BLACK if a.side == "B" else WHITE
    wanted = {int(m) for m in a.moves.split(",")}
    rec = read_sgf(a.sgf)
    model, _ = load_checkpoint(a.net)
    model.eval()
    policy = RolloutPolicy(seed=a.seed)
    g = rec.to_game_state(upto=0, superko=False)
    print("| move | value net | rollouts |\n|---|---|---|")
    for number, m in enumerate(rec.moves, 1):
        if number in wanted:
            g.to_play = m.pla
            with torch.no_grad():
                v = float(model(torch.from_numpy(state_planes(g)[None].astype(np.float32)))[1][0])
            v = v if g.to_play == side else -v
            wins = sum((policy.run(g, 1)[0] > 0) == (side == BLACK) for _ in range(a.rollouts))
            print(f"| {number} | {(v + 1) / 2:.2f} | {wins / a.rollouts:.2f} |")
        g.play(m.loc, m.pla)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
