"""How well a network's ownership and score outputs predict each point's final owner and
the final margin, by game phase, on either of two kinds of finished games:

- ``--data``: the held-out batches of value data (self-play games played to the end, or
  resigned: every counted game's final owners and margin are exact);
- ``--kgs ARCHIVE``: KGS games that ended by count (``RE[B+3.5]``), each final position
  judged by the end-of-game judgment and kept only where its winner is the recorded one
  (the second opinion); a point's owner is the judgment's where it is clear (|mean
  rollout ownership| >= 0.5, dead stones turned over), and the margin is its area count.

    python tools/ownership_accuracy.py --net runs/loop/gen-001/candidate.pt \
        --data runs/loop/gen-001/data --val-every 5 [--json OUT]
    python tools/ownership_accuracy.py --net NET --kgs ../shared/kgs/KGS-2017_05-19-847-.tar.gz \
        --games 200 --every 10

Accuracy is the share of points, dame left out, whose predicted owner (the sign of the
output) is the final one; beside it a baseline that needs no network: a stone's point
owned by its colour, an empty point counted as a miss; with ``--rollouts N`` (KGS), the
mean final ownership and margin of N rollouts of each position, as tengen's analysis
reads them from its search's rollouts. Score error: the mean absolute
difference in points between the score output and the final margin (for the side to
move, komi in), beside the error of the best constant guess (the median margin).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.value_train import batch_files, read_batch, value_forward

PHASES = ((0, 50), (50, 150), (150, 10_000))


class Tally:
    """Right points and score errors by phase, for each predictor: ``net`` (the outputs),
    ``stones`` (a stone's point owned by its colour, no score) and, with ``--rollouts``,
    ``rollouts`` (the rollout policy's mean final ownership and margin, which is what
    tengen's analysis showed before the net had these outputs)."""

    def __init__(self):
        self.own = {}  # (predictor, phase) -> [right, points]
        self.score = {}  # (predictor, phase) -> ([predicted margins], [final margins])

    def add(self, model, planes, owners, margins, moves_played, known=None, rollouts=None):
        """A batch of positions: planes (N, 49, n, n), final owners (N, n*n) for the
        side to move (0: unknown or dame), final margins (N,) for the side to move;
        ``rollouts``: (ownership (N, n*n), margins (N,)) for the side to move."""
        with torch.no_grad():
            _, own, score = value_forward(model, torch.from_numpy(planes).float())
        n2 = owners.shape[1]
        # plane 0: the mover's stones, plane 1: the opponent's (features.py)
        preds = {"stones": (planes[:, 0].reshape(-1, n2).astype(np.int8)
                            - planes[:, 1].reshape(-1, n2).astype(np.int8), None)}
        if own is not None or score is not None:
            preds["net"] = (None if own is None else np.sign(own.numpy()),
                            None if score is None else score.numpy())
        if rollouts is not None:
            preds["rollouts"] = (np.sign(rollouts[0]), rollouts[1])
        for k, played in enumerate(moves_played):
            phase = next(p for p in PHASES if p[0] <= played < p[1])
            counted = owners[k] != 0
            for name, (pred_own, pred_score) in preds.items():
                if pred_own is not None:
                    tally = self.own.setdefault((name, phase), [0, 0])
                    tally[0] += int((pred_own[k][counted] == owners[k][counted]).sum())
                    tally[1] += int(counted.sum())
                if pred_score is not None and (known is None or known[k]):
                    pair = self.score.setdefault((name, phase), ([], []))
                    pair[0].append(float(pred_score[k]))
                    pair[1].append(float(margins[k]))

    def report(self) -> dict:
        out = {}
        # every predictor scored the same positions: one's finals are all of them
        scorer = next((name for name, _ in self.score), None)
        finals = [m for (name, _), (_, ms) in self.score.items() if name == scorer for m in ms]
        median = float(np.median(finals)) if finals else 0.0
        names = sorted({name for name, _ in self.own} | {name for name, _ in self.score})
        for phase in PHASES + (None,):
            a, b = phase or (0, 10_000)
            label = "all" if phase is None else (f"moves {a + 1}-{b}" if b < 10_000
                                                 else f"moves {a + 1}+")
            row = {}
            for name in names:
                keys = [(name, phase)] if phase else [(name, p) for p in PHASES]
                owns = [self.own[k] for k in keys if k in self.own]
                right, points = sum(v[0] for v in owns), sum(v[1] for v in owns)
                if points:
                    row["points"] = points
                    row[f"{name}_ownership"] = round(right / points, 4)
                pairs = [self.score[k] for k in keys if k in self.score]
                pred = np.array([x for p, _ in pairs for x in p])
                final = np.array([x for _, m in pairs for x in m])
                if len(pred):
                    row["positions"] = len(pred)
                    row[f"{name}_score_error"] = round(float(np.abs(pred - final).mean()), 2)
                    row["constant_guess_error"] = round(
                        float(np.abs(median - final).mean()), 2)
            out[label] = row
        return out


def rollout_estimates(state, rollouts, count: int, seed: int):
    """The rollout policy's mean final ownership (n*n) and margin from ``count`` rollouts
    of the position, both for the side to move (komi in)."""
    from tengen.engine.board import BLACK, PASS
    from tengen.engine.playout import new_rng
    b, n = state.board, state.size
    rollouts.rng = new_rng(seed)
    margin, own, _ = rollouts.run_arrays(b.B, b.meta, b.zob, state.to_play, PASS, 0,
                                         state.komi, count)
    sign = 1 if state.to_play == BLACK else -1
    own = own.reshape(n + 2, n + 2)[1:-1, 1:-1].reshape(-1)
    return sign * own, sign * margin


def self_play(model, tally: Tally, data: str, val_every: int) -> None:
    for path in batch_files(data):
        number = int(path.parent.name.split("-")[1])
        if number % val_every != val_every - 1:
            continue
        ex = read_batch(path)
        known = ex.owner_known if ex.owner_known is not None else np.ones(len(ex), bool)
        for i in range(0, len(ex), 256):
            idx = np.arange(i, min(i + 256, len(ex)))
            owners = ex.ownership[idx].astype(np.int8) * known[idx, None]
            tally.add(model, ex.unpack(idx), owners, ex.margin[idx], ex.played[idx], known[idx])


def kgs(model, tally: Tally, archive: str, games: int, every: int, rollouts: int = 0) -> dict:
    """Judged final positions of counted KGS games; returns what was kept and skipped."""
    from tengen.engine.board import BLACK
    from tengen.engine.judge.judgment import Judge
    from tengen.nets.features import state_planes
    from tengen.selfplay.kgs_finals import game_positions, judged_games
    seen = {"kept": 0, "unreadable": 0, "judged_otherwise": 0}
    judge = Judge()
    for _, game in judged_games([archive], judge, seen):
        if game is None:
            continue
        planes, owners, margins, played, estimates = [], [], [], [], []
        for s, upto, _ in game_positions(game, every):
            sign = 1 if s.to_play == BLACK else -1
            planes.append(state_planes(s).astype(np.float32))
            owners.append((sign * game.black_owner).astype(np.int8))
            margins.append(sign * game.score)
            played.append(upto)
            if rollouts:
                estimates.append(rollout_estimates(s, judge.rollouts, rollouts,
                                                   seed=len(estimates)))
        by_rollouts = (np.stack([o for o, _ in estimates]),
                       np.array([m for _, m in estimates])) if estimates else None
        tally.add(model, np.stack(planes), np.stack(owners), np.array(margins), played,
                  rollouts=by_rollouts)
        if seen["kept"] >= games:
            break
    return seen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", required=True)
    ap.add_argument("--data", default=None, help="value-data folder(s), comma-separated")
    ap.add_argument("--val-every", type=int, default=20, help="as train-value held it out")
    ap.add_argument("--kgs", default=None, help="a KGS archive (the validation one)")
    ap.add_argument("--games", type=int, default=200, help="counted KGS games to judge")
    ap.add_argument("--every", type=int, default=10, help="a KGS position every N moves")
    ap.add_argument("--rollouts", type=int, default=0,
                    help="KGS: also score N rollouts a position (analysis without the heads)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if bool(args.data) == bool(args.kgs):
        raise SystemExit("give --data or --kgs")
    model, _ = load_checkpoint(args.net)
    if not (model.cfg.ownership or model.cfg.score):
        raise SystemExit(f"{args.net} has neither an ownership nor a score output")
    model.eval()
    tally = Tally()
    out = {"net": args.net}
    if args.data:
        out["data"] = args.data
        self_play(model, tally, args.data, args.val_every)
    else:
        out["kgs"] = args.kgs
        out["games"] = kgs(model, tally, args.kgs, args.games, args.every, args.rollouts)
    out.update(tally.report())
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
