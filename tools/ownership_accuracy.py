"""How well a network's ownership output predicts the final owner of each point, on the
held-out batches of value data (self-play games played to the end: every point's final
owner is exact), by game phase.

    python tools/ownership_accuracy.py --net runs/loop/gen-001/candidate.pt \
        --data runs/loop/gen-001/data --val-every 5 [--json OUT]

Accuracy is the share of points, dame left out, whose predicted owner (the sign of the
output) is the final one. Beside it, a baseline that needs no network: a stone's point
owned by its colour, an empty point counted as a miss.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from tengen.nets.checkpoint import load_checkpoint
from tengen.selfplay.records import value_examples
from tengen.selfplay.value_train import batch_files, value_forward

PHASES = ((0, 50), (50, 150), (150, 10_000))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", required=True)
    ap.add_argument("--data", required=True, help="value-data folder(s), comma-separated")
    ap.add_argument("--val-every", type=int, default=20, help="as train-value held it out")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    model, _ = load_checkpoint(args.net)
    if not model.cfg.ownership:
        raise SystemExit(f"{args.net} has no ownership output")
    model.eval()
    hits = {p: [0, 0, 0] for p in PHASES}  # net right, baseline right, points
    for path in batch_files(args.data):
        number = int(path.parent.name.split("-")[1])
        if number % args.val_every != args.val_every - 1:
            continue
        ex = value_examples(str(path))
        n = ex.size
        for i in range(0, len(ex), 256):
            idx = np.arange(i, min(i + 256, len(ex)))
            planes = ex.unpack(idx)
            with torch.no_grad():
                _, own = value_forward(model, torch.from_numpy(planes).float())
            pred = np.sign(own.numpy())
            target = ex.ownership[idx].astype(np.int8)
            # plane 0: the mover's stones, plane 1: the opponent's (features.py)
            stones = planes[:, 0].reshape(len(idx), n * n).astype(np.int8) - \
                planes[:, 1].reshape(len(idx), n * n).astype(np.int8)
            for k, j in enumerate(idx):
                phase = next(p for p in PHASES if p[0] <= ex.played[j] < p[1])
                counted = target[k] != 0
                hits[phase][0] += int((pred[k][counted] == target[k][counted]).sum())
                hits[phase][1] += int((stones[k][counted] == target[k][counted]).sum())
                hits[phase][2] += int(counted.sum())
    out = {"net": args.net, "data": args.data}
    for (a, b), (net, base, points) in hits.items():
        name = f"moves {a + 1}-{b}" if b < 10_000 else f"moves {a + 1}+"
        out[name] = {"points": points, "net": round(net / max(points, 1), 4),
                     "stones_baseline": round(base / max(points, 1), 4)}
    total = [sum(v[i] for v in hits.values()) for i in range(3)]
    out["all"] = {"points": total[2], "net": round(total[0] / max(total[2], 1), 4),
                  "stones_baseline": round(total[1] / max(total[2], 1), 4)}
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
