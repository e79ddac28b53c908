"""Who knows better who wins a KGS game: rollouts or the value networks? MSE by phase.

For ``--per-game`` random positions of each of the first ``--games`` even 19x19 games of
an archive (decided on the board, no handicap), the outcome for the side to move
against: the rollout policy's win fraction over ``--rollouts`` playouts (2p - 1, and the
same shrunk by the least-squares scale that suits it best, fitted on these positions)
and each network's value. Says whether the value target on KGS positions is within
reach of what the position shows to a playout.

    python experiments/value_vs_rollouts.py --games 40 --per-game 8 --rollouts 32 \
        --nets sl runs/value_vd32/best.pt
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from tengen.engine.game import GameState
from tengen.engine.rollout.policy import RolloutPolicy
from tengen.engine.sgf import SgfError, iter_sgf_files, parse_sgf
from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint

PHASES = ((0, 50), (50, 150), (150, 10_000), (0, 10_000))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default="../shared/kgs/KGS-2017_05-19-847-.tar.gz")
    ap.add_argument("--games", type=int, default=40)
    ap.add_argument("--per-game", type=int, default=8)
    ap.add_argument("--rollouts", type=int, default=32)
    ap.add_argument("--nets", nargs="*", default=["sl"], help="checkpoints (or sl, rl)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    nets = {n: SharedEvaluator(load_checkpoint(n)[0], EvaluatorConfig(backend="onnx"))
            for n in args.nets}
    rollouts = RolloutPolicy(seed=args.seed + 1)
    rows, used = [], 0
    for _, data in iter_sgf_files(args.archive):
        if used >= args.games:
            break
        try:
            rec = parse_sgf(data)
        except SgfError:
            continue
        winner = rec.winner(on_board=True)
        if (rec.size != 19 or winner is None or len(rec.moves) < 60 or rec.handicap
                or rec.setup_black or rec.setup_white):
            continue
        used += 1
        picks = set(rng.choice(len(rec.moves), min(args.per_game, len(rec.moves)),
                               replace=False).tolist())
        g = GameState(19, rec.komi)
        for i, m in enumerate(rec.moves):
            if i in picks:
                z = 1.0 if winner == g.to_play else -1.0
                wins = sum((rollouts.run(g, 1)[0] > 0) == (g.to_play == 1)
                           for _ in range(args.rollouts))
                values = [float(e.evaluate([g])[1][0]) for e in nets.values()]
                rows.append((i, z, 2 * wins / args.rollouts - 1, *values))
            g.play(m.loc, m.pla)
    a = np.array(rows, float)
    names = ["rollouts", *nets]
    print(json.dumps({"games": used, "positions": len(a), "rollouts": args.rollouts}))
    for lo, hi in PHASES:
        sel = (a[:, 0] >= lo) & (a[:, 0] < hi)
        z, v = a[sel, 1], a[sel, 2]
        row = {"moves": f"{lo + 1}-{hi if hi < 10_000 else 'end'}", "positions": int(sel.sum())}
        row.update({n: round(float(((a[sel, 2 + j] - z) ** 2).mean()), 3)
                    for j, n in enumerate(names)})
        scale = float((v * z).sum() / max((v * v).sum(), 1e-9))
        row["rollouts_scaled"] = round(float(((scale * v - z) ** 2).mean()), 3)
        row["scale"] = round(scale, 2)
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
