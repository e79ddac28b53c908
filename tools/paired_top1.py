"""Two or more nets on the same positions of an archive: top-1 each, and for each pair the
positions only one of them gets right (McNemar's test), so a difference of a few tenths
of a point can be told from noise (the same positions make the comparison paired; two
separate top-1 figures each carry about 0.12 points of sampling error on 182k positions).

Usage: python tools/paired_top1.py NET NET [NET ...] --archive ARCHIVE [--games N]
Prints one JSON object as its last line.
"""
import argparse
import itertools
import json
import math

import numpy as np
import torch
from tqdm import tqdm

from tengen.engine.board import zobrist_table
from tengen.nets.accuracy import archive_positions, rows_planes
from tengen.nets.checkpoint import load_checkpoint


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nets", nargs="+")
    ap.add_argument("--archive", required=True)
    ap.add_argument("--games", type=int, default=None)
    ap.add_argument("--batch", type=int, default=512)
    args = ap.parse_args()
    models = [load_checkpoint(n)[0] for n in args.nets]
    rows, used, _ = archive_positions(args.archive, args.games)
    moves = np.array([r[4] for r in rows])
    hits = np.zeros((len(models), len(rows)), bool)
    zob = zobrist_table(19)
    with torch.no_grad():
        for i in tqdm(range(0, len(rows), args.batch), desc="positions", unit="batch"):
            x = torch.from_numpy(rows_planes(rows[i:i + args.batch], 19, zob)).float()
            for k, m in enumerate(models):
                hits[k, i:i + args.batch] = m(x)[0].argmax(1).numpy() == moves[i:i + args.batch]
    res = {"archive": args.archive, "games": used, "positions": len(rows),
           "top1": {n: round(float(h.mean()), 4) for n, h in zip(args.nets, hits)}, "pairs": []}
    for a, b in itertools.combinations(range(len(models)), 2):
        only_a = int((hits[a] & ~hits[b]).sum())
        only_b = int((hits[b] & ~hits[a]).sum())
        z = (only_a - only_b) / math.sqrt(max(only_a + only_b, 1))
        diff = (only_a - only_b) / len(rows)
        half = 1.96 * math.sqrt(only_a + only_b) / len(rows)  # normal approximation
        res["pairs"].append({"a": args.nets[a], "b": args.nets[b], "only_a": only_a,
                             "only_b": only_b, "diff_points": round(100 * diff, 3),
                             "ci95_points": [round(100 * (diff - half), 3),
                                             round(100 * (diff + half), 3)],
                             "z": round(z, 2)})
    print(json.dumps(res))


if __name__ == "__main__":
    main()
