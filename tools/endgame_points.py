"""Points a move keeps: engines choose moves in the same endgame positions, the referee
counts each result.

For positions of arena records (moves ``--first``..``--last`` of each game, every
``--every``-th, the engine's colour to move), each engine named by ``--engines`` plays its
move there and the referee (GNU Go) counts the position after it (``final_score``); GNU
Go's own move is counted too, as a yardstick. The table gives each engine's mean count
for the mover, and the paired difference of every engine against the first, with its
standard error: the same positions, so the count's own noise largely cancels. A move
that gives away points shows as a lower mean. The question it was written for: does the
score utility (``--score-weight``) keep points that a win rate alone lets go?

    python tools/endgame_points.py benchmarks/results/ablation_19x19/lam05_v1600 \\
        --engines "plain=tengen gtp --visits 400 --move-time 30" \\
        "score=tengen gtp --visits 400 --move-time 30 --score-weight 0.3" --games 20
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
from pathlib import Path

from tengen.engine.board import BLACK
from tengen.engine.sgf import read_sgf
from tengen.match.gtp_client import GtpClient, gnugo_command

from game_trace import margin  # a sibling in tools/ (a script's own folder is importable)


def positions(folder: Path, games: int, first: int, last: int, every: int):
    """(sgf, move number, colour) of the engine's turns in the window, game by game."""
    out = []
    sgfs = sorted(folder.glob("game-*.sgf"))[:games]
    for sgf in sgfs:
        if any(c.isspace() for c in str(sgf)):
            raise SystemExit(f"GTP arguments cannot hold spaces: {sgf}")
        meta = sgf.with_suffix(".json")
        engine = "B" if json.loads(meta.read_text())["black"] == "engine" else "W"
        rec = read_sgf(sgf)
        for n in range(first, min(last, len(rec.moves)) + 1):
            colour = "B" if rec.moves[n - 1].pla == BLACK else "W"
            if colour == engine and (n - first) // 2 % max(1, every // 2) == 0:
                out.append((sgf, n, colour))
    return out


def count_after(ref: GtpClient, sgf: Path, n: int, colour: str, move: str) -> float:
    """The referee's count after ``colour`` plays ``move`` at move ``n``, for ``colour``."""
    ref.send(f"loadsgf {sgf} {n}")
    if move.lower() == "resign":
        return float("nan")
    ref.send(f"play {colour} {move}")
    m = margin(ref.send("final_score"))
    return m if colour == "B" else -m


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="arena folders (game-NNNN.sgf/json)")
    ap.add_argument("--engines", nargs="+", required=True, metavar="LABEL=CMD")
    ap.add_argument("--games", type=int, default=20, help="records per folder")
    ap.add_argument("--first", type=int, default=150)
    ap.add_argument("--last", type=int, default=260)
    ap.add_argument("--every", type=int, default=10, help="one position per this many moves")
    ap.add_argument("--referee", default=gnugo_command(level=10))
    ap.add_argument("--out", type=Path, default=None, help="JSON of every position's counts")
    ap.add_argument("--table", type=Path, default=None,
                    help="print the table of a JSON that --out wrote, and stop")
    args = ap.parse_args(argv)
    engines = dict(e.split("=", 1) for e in args.engines)
    if args.table:
        return report(json.loads(args.table.read_text()), list(engines))
    todo = [p for f in args.folders for p in positions(f, args.games, args.first, args.last,
                                                       args.every)]
    print(f"{len(todo)} positions", file=sys.stderr)
    rows = []
    clients = {label: GtpClient(cmd, default_timeout=600) for label, cmd in engines.items()}
    try:
        with GtpClient(args.referee, default_timeout=600) as ref:
            for k, (sgf, n, colour) in enumerate(todo):
                row = {"sgf": str(sgf), "move": n, "colour": colour, "moves": {}, "count": {}}
                ref.send(f"loadsgf {sgf} {n}")
                before = margin(ref.send("final_score"))
                row["before"] = before if colour == "B" else -before  # final_score moves nothing
                choices = {"gnugo": ref.send(f"reg_genmove {colour}")}
                for label, eng in clients.items():
                    eng.send(f"loadsgf {sgf} {n}")
                    choices[label] = eng.send(f"genmove {colour}")
                for label, move in choices.items():
                    row["moves"][label] = move
                    row["count"][label] = count_after(ref, sgf, n, colour, move)
                rows.append(row)
                if args.out:  # after every position, atomically: a stopped run keeps its rows
                    tmp = args.out.with_name(args.out.name + ".tmp")
                    tmp.write_text(json.dumps(rows, indent=1))
                    os.replace(tmp, args.out)
                print(f"[{k + 1}/{len(todo)}] {sgf.parent.name}/{sgf.name} move {n} "
                      f"{colour}: before {row['before']:+.1f}; " + ", ".join(
                          f"{lb} {row['moves'][lb]} {row['count'][lb]:+.1f}"
                          for lb in row["moves"]), file=sys.stderr, flush=True)
    finally:
        for c in clients.values():
            c.close(timeout=5)
    return report(rows, list(engines))


def report(rows: list[dict], labels: list[str]) -> int:
    base = labels[0]
    print(f"| positions | move | mean count for the mover | vs {base}: mean [±SE] | "
          f"same move as {base} |")
    print("|---|---|---|---|---|")
    for subset, keep in (("all", lambda r: True), ("ahead (count ≥ +5)", lambda r: r["before"] >= 5),
                         ("close (within 5)", lambda r: abs(r["before"]) < 5),
                         ("behind (≤ −5)", lambda r: r["before"] <= -5)):
        rs = [r for r in rows if keep(r) and not any(math.isnan(v) for v in r["count"].values())]
        if not rs:
            continue
        for label in ["gnugo"] + labels:
            mean = statistics.fmean(r["count"][label] for r in rs)
            diffs = [r["count"][label] - r["count"][base] for r in rs]
            se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
            same = sum(r["moves"][label].upper() == r["moves"][base].upper() for r in rs)
            vs = "" if label == base else f"{statistics.fmean(diffs):+.2f} [±{se:.2f}]"
            print(f"| {subset}: {len(rs)} | {label} | {mean:+.2f} | {vs} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
