"""Held-out value MSE against training positions seen, one line per value-training run:
tengen's version of AlphaGo's overfitting comparison (one self-play position a game, K a
game, every KGS position), read from each run's ``train_log.csv``.

    python tools/value_curves.py runs/v_one:"1 a game" runs/v_k16:"16 a game" \
        runs/v_kgs:"all KGS" --out benchmarks/results/value_curves.png

Prints, per run, the last and the lowest MSE on held-out self-play positions (all of
them, ``val_mse``; the one after the random move U alone, AlphaGo's test set,
``val_mse_u``) and on KGS-2017_05 positions (``kgs_mse``), and draws the three.
"""
from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

KEYS = ("val_mse", "val_mse_u", "kgs_mse")
TITLES = ("held-out self-play positions", "held-out: after U only", "KGS-2017_05 positions")


def read_run(path: str) -> list[dict]:
    """A run folder's ``train_log.csv``, or a log file itself; a ``train-sl`` log's
    validation value MSE (KGS-2017_05 positions) stands as ``kgs_mse``."""
    path = Path(path)
    rows = list(csv.DictReader(open(path if path.is_file() else path / "train_log.csv")))
    for r in rows:
        if r.get("val_value_mse"):
            r["kgs_mse"] = r["val_value_mse"]
    return [r for r in rows if any(r.get(k) for k in KEYS)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="run folder or log, optionally :label, then "
                    "optionally :N, positions seen before it (a run continuing another)")
    ap.add_argument("--out", default="benchmarks/results/value_curves.png")
    ap.add_argument("--logx", action="store_true", help="positions seen on a log scale")
    args = ap.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = []
    for spec in args.runs:
        folder, _, rest = spec.partition(":")
        label, _, offset = rest.partition(":")
        runs.append((read_run(folder), label or Path(folder).name, offset))
    keys = [k for k in KEYS if any(r.get(k) for rows, _, _ in runs for r in rows)]
    titles = [TITLES[KEYS.index(k)] for k in keys]  # panels with data only
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys) + 1, 4), sharey=True,
                             squeeze=False)
    axes = axes[0]
    for rows, label, offset in runs:
        for ax, key in zip(axes, keys):
            pts = [(int(r["samples"]) + int(offset or 0), float(r[key])) for r in rows
                   if r.get(key)]
            if not pts:
                continue
            ax.plot(*zip(*pts), marker="o" if len(pts) < 30 else None, label=label)
            best = min(pts, key=lambda p: p[1])
            print(f"{label:>16} {key}: last {pts[-1][1]:.3f} at {pts[-1][0]:,} positions; "
                  f"lowest {best[1]:.3f} at {best[0]:,}")
    for ax, title in zip(axes, titles):
        ax.set_title(title)
        ax.set_xlabel("training positions seen")
        if args.logx:
            ax.set_xscale("log")
        ax.axhline(1.0, color="grey", lw=0.5, ls="--")
        ax.legend(fontsize="small")
    axes[0].set_ylabel("value MSE (always 0: 1.0)")
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{args.out}.tmp{os.getpid()}.png"
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
