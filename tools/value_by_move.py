"""Value MSE against move number, one line per net: tengen's AlphaGo Figure 2b, from the
JSON lines that ``tengen eval-value`` prints (its ``by_move`` bins).

    tengen eval-value --kgs ../shared/kgs/KGS-2017_05-19-847-.tar.gz --games 200 \
        --net A --net B > kgs.jsonl
    tengen eval-value --data runs/vd-heldout --all --net A --net B > selfplay.jsonl
    python tools/value_by_move.py kgs.jsonl selfplay.jsonl \
        --out benchmarks/results/value_by_move.png

The left axis is AlphaGo's scale, half the mean of (z - v)^2 for z in {-1, +1} (its Figure
2b reads 0.50 at move 0, where nothing is known); the right axis is tengen's, the whole
mean, where a coin is 1.0. One panel per file (KGS positions, self-play positions). Prints,
per file and net, the MSE and half-MSE overall and by phase.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

PHASES = ("moves_1_50", "moves_51_150", "moves_151_plus")


def read_lines(path: str) -> list[tuple[str, str, dict]]:
    """(net, 'kgs' or 'selfplay', result) for every result in an eval-value output."""
    out = []
    for line in Path(path).read_text().splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            out += [(d["net"], k, d[k]) for k in ("kgs", "selfplay") if k in d]
    return out


def label(net: str) -> str:
    p = Path(net)
    return f"{p.parent.name}/{p.stem}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="eval-value outputs (JSON lines)")
    ap.add_argument("--out", default="benchmarks/results/value_by_move.png")
    args = ap.parse_args()
    panels = [read_lines(f) for f in args.files]
    for f, rows in zip(args.files, panels):
        for net, kind, r in rows:
            phases = " / ".join(f"{r[p]['mse']}" for p in PHASES)
            print(f"{f} {kind} {label(net)}: {r['positions']} positions, MSE {r['mse']} "
                  f"(half {r['half_mse']}), by phase {phases}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    for ax, f, rows in zip(axes[0], args.files, panels):
        for net, kind, r in rows:
            bins = r["by_move"]
            x = [(lo + (hi if hi is not None else lo + 19)) / 2 for lo, hi, _, _ in bins]
            ax.plot(x, [b[3] / 2 for b in bins], marker=".", label=label(net))
        kinds = sorted({k for _, k, _ in rows})
        ax.set_title(f"{', '.join(kinds)} positions ({Path(f).name})")
        ax.set_xlabel("move number")
        ax.set_ylabel("half MSE (AlphaGo's scale)")
        ax.axhline(0.5, color="grey", lw=0.8, ls="--")  # a coin, on AlphaGo's scale
        ax.set_ylim(0, 0.75)
        right = ax.secondary_yaxis("right", functions=(lambda y: 2 * y, lambda y: y / 2))
        right.set_ylabel("MSE (tengen's scale)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = args.out + ".tmp.png"
    fig.savefig(tmp, dpi=90)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
