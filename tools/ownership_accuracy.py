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
owned by its colour, an empty point counted as a miss. Score error: the mean absolute
difference in points between the score output and the final margin (for the side to
move, komi in), beside the error of the best constant guess (the median margin).
"""
import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch

from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.records import value_examples
from tengen.selfplay.value_train import batch_files, value_forward

PHASES = ((0, 50), (50, 150), (150, 10_000))
COUNTED = re.compile(r"^[BW]\+\d")


class Tally:
    def __init__(self):
        self.own = {p: [0, 0, 0] for p in PHASES}  # net right, baseline right, points
        self.score = {p: ([], []) for p in PHASES}  # predicted margins, final margins

    def add(self, model, planes, owners, margins, moves_played, known=None):
        """A batch of positions: planes (N, 49, n, n), final owners (N, n*n) for the
        side to move (0: unknown or dame), final margins (N,) for the side to move."""
        with torch.no_grad():
            _, own, score = value_forward(model, torch.from_numpy(planes).float())
        n2 = owners.shape[1]
        # plane 0: the mover's stones, plane 1: the opponent's (features.py)
        stones = planes[:, 0].reshape(-1, n2).astype(np.int8) - \
            planes[:, 1].reshape(-1, n2).astype(np.int8)
        for k, played in enumerate(moves_played):
            phase = next(p for p in PHASES if p[0] <= played < p[1])
            if own is not None:
                counted = owners[k] != 0
                pred = np.sign(own[k].numpy())
                self.own[phase][0] += int((pred[counted] == owners[k][counted]).sum())
                self.own[phase][1] += int((stones[k][counted] == owners[k][counted]).sum())
                self.own[phase][2] += int(counted.sum())
            if score is not None and (known is None or known[k]):
                self.score[phase][0].append(float(score[k]))
                self.score[phase][1].append(float(margins[k]))

    def report(self) -> dict:
        out = {}
        every = list(self.score.values())
        median = float(np.median([m for _, ms in every for m in ms])) if any(
            ms for _, ms in every) else 0.0
        for phase in PHASES + (None,):
            a, b = phase or (0, 10_000)
            name = "all" if phase is None else (f"moves {a + 1}-{b}" if b < 10_000
                                                else f"moves {a + 1}+")
            owns = [self.own[phase]] if phase else list(self.own.values())
            net, base, points = (sum(v[i] for v in owns) for i in range(3))
            row = {}
            if points:
                row.update(points=points, ownership=round(net / points, 4),
                           stones_baseline=round(base / points, 4))
            pairs = [self.score[phase]] if phase else every
            pred = np.array([x for p, _ in pairs for x in p])
            final = np.array([x for _, m in pairs for x in m])
            if len(pred):
                row.update(positions=len(pred),
                           score_error=round(float(np.abs(pred - final).mean()), 2),
                           constant_guess_error=round(float(np.abs(median - final).mean()), 2))
            out[name] = row
        return out


def self_play(model, tally: Tally, data: str, val_every: int) -> None:
    for path in batch_files(data):
        number = int(path.parent.name.split("-")[1])
        if number % val_every != val_every - 1:
            continue
        ex = value_examples(str(path))
        known = ex.owner_known if ex.owner_known is not None else np.ones(len(ex), bool)
        for i in range(0, len(ex), 256):
            idx = np.arange(i, min(i + 256, len(ex)))
            owners = ex.ownership[idx].astype(np.int8) * known[idx, None]
            tally.add(model, ex.unpack(idx), owners, ex.margin[idx], ex.played[idx], known[idx])


def kgs(model, tally: Tally, archive: str, games: int, every: int) -> dict:
    """Judged final positions of counted KGS games; returns what was kept and skipped."""
    from tengen.engine.board import BLACK
    from tengen.engine.judge.judgment import Judge
    from tengen.engine.sgf import iter_sgf_files, parse_sgf
    from tengen.nets.features import state_planes
    judge = Judge()
    seen = {"kept": 0, "not_counted": 0, "unreadable": 0, "judged_otherwise": 0}
    for _, data in iter_sgf_files(archive):
        if seen["kept"] >= games:
            break
        try:
            rec = parse_sgf(data)
            if rec.size != 19 or not COUNTED.match((rec.result or "").strip().upper()):
                seen["not_counted"] += 1
                continue
            final = rec.to_game_state()
        except Exception:  # a corrupt record is skipped and counted
            seen["unreadable"] += 1
            continue
        j = judge(final)
        if not j.wins(rec.winner()):
            seen["judged_otherwise"] += 1
            continue
        seen["kept"] += 1
        black_owner = np.where(np.abs(j.ownership) >= 0.5, np.sign(j.ownership), 0).reshape(-1)
        planes, owners, margins, played = [], [], [], []
        s = rec.to_game_state(0)  # the setup stones; the moves replayed once, below
        for upto, m in enumerate(rec.moves):
            if upto % every == 0:
                sign = 1 if s.to_play == BLACK else -1
                planes.append(state_planes(s).astype(np.float32))
                owners.append((sign * black_owner).astype(np.int8))
                margins.append(sign * j.score)
                played.append(upto)
            s.play(m.loc, m.pla)
        tally.add(model, np.stack(planes), np.stack(owners), np.array(margins), played)
    return seen


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", required=True)
    ap.add_argument("--data", default=None, help="value-data folder(s), comma-separated")
    ap.add_argument("--val-every", type=int, default=20, help="as train-value held it out")
    ap.add_argument("--kgs", default=None, help="a KGS archive (the validation one)")
    ap.add_argument("--games", type=int, default=200, help="counted KGS games to judge")
    ap.add_argument("--every", type=int, default=10, help="a KGS position every N moves")
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
        out["games"] = kgs(model, tally, args.kgs, args.games, args.every)
    out.update(tally.report())
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
