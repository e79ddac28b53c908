"""When is a value-data game decided, as a net sees it? The net's value at every position
of each game, from black's side; the last move at which it still backed the eventual loser
by more than ``--margin`` marks where the game was settled for it.

    python experiments/value_decided.py --data runs/vd-heldout --u-from 51 --u-to 150

Games are those whose random move U falls in [u-from, u-to]. Prints the games' median
length and margin, the mean value for the winner at s_{U+1}, and the quartiles of that last
move (and of it as a fraction of the game).
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from tengen.engine.board import BLACK
from tengen.nets import SHIPPED_NET
from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.records import _positions, load_records
from tengen.selfplay.value_train import batch_files, predict_values


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="runs/vd-heldout")
    ap.add_argument("--net", default=str(SHIPPED_NET))
    ap.add_argument("--u-from", type=int, default=51)
    ap.add_argument("--u-to", type=int, default=150)
    ap.add_argument("--margin", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = load_checkpoint(args.net)[0].eval()
    rows = []
    for path in batch_files(args.data):
        games, info = load_records(str(path))
        with np.load(path) as d:
            us = d["u"]
        for g, u in zip(games, us):
            if not (args.u_from <= u <= args.u_to) or g.score == 0:
                continue
            ex = _positions([g], int(info["size"]), float(info["komi"]), lambda k, i, m: True)
            v = predict_values(net, lambda i, j: ex.unpack(np.arange(i, j)), len(ex), "cpu")
            side = np.array([1 if m.pla == BLACK else -1 for m in g.moves])  # mover's side
            for_winner = v * side * (1 if g.score > 0 else -1)
            wrong = np.flatnonzero(for_winner < -args.margin)
            rows.append((len(g.moves), abs(g.score), float(for_winner[int(u)]),
                         int(wrong[-1]) + 1 if len(wrong) else 0))
    r = np.array(rows, float)
    print(json.dumps({
        "games": len(r), "median_moves": float(np.median(r[:, 0])),
        "median_margin": float(np.median(r[:, 1])),
        "value_for_winner_at_u_plus_1": round(float(r[:, 2].mean()), 3),
        "last_backing_loser_quartiles": np.percentile(r[:, 3], [25, 50, 75]).tolist(),
        "as_fraction_of_game": np.percentile(r[:, 3] / r[:, 0], [25, 50, 75]).round(2).tolist(),
        "share_after_move_200": round(float((r[:, 3] > 200).mean()), 3)}))


if __name__ == "__main__":
    main()
