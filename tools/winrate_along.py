"""What tengen believed along a match: its own win rate, from the comment the arena writes
after each of its moves (``1.54s winrate 0.487 top ...``), at given move numbers over
every game of the folders given, and the move where it first fell below a threshold.

A match lost by a slow slide reads differently from one lost by a collapse, and a win rate
that stays near 0.5 while the games are lost says the search does not see it coming.

    python tools/winrate_along.py benchmarks/results/ladder/katago-b6c96-v16 --at 40,80,120
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from tengen.engine.board import BLACK, WHITE
from tengen.engine.move_log import belief_winrate
from tengen.engine.sgf import SgfError, read_sgf


def engine_winrates(sgf: Path) -> dict[int, float] | None:
    """Move number -> tengen's win rate (for itself) after that move of its own; None if
    the arena's JSON beside the record does not say which colour tengen had."""
    meta = sgf.with_suffix(".json")
    if not meta.exists():
        return None
    colour = BLACK if json.loads(meta.read_text())["black"] == "engine" else WHITE
    rec = read_sgf(sgf)
    out = {}
    for number, (move, comment) in enumerate(zip(rec.moves, rec.comments), start=1):
        rate = belief_winrate(comment)
        if rate is not None and move.pla == colour:
            out[number] = rate
    return out


def near(curve: dict[int, float], move: int, slack: int = 1) -> float | None:
    """The win rate of tengen's move at ``move`` or within ``slack`` of it (its own moves
    are every other one)."""
    for d in range(slack + 1):
        for k in (move - d, move + d):
            if k in curve:
                return curve[k]
    return None


def summarise(curves: list[dict[int, float]], at: list[int], below: float) -> dict:
    rows = {}
    for move in at:
        values = [v for v in (near(c, move) for c in curves) if v is not None]
        if len(values) >= 2:
            q = statistics.quantiles(values, n=4)
            rows[move] = {"games": len(values), "median": statistics.median(values),
                          "q1": q[0], "q3": q[2]}
    firsts = (min((k for k, v in c.items() if v < below), default=None) for c in curves)
    falls = [k for k in firsts if k is not None]
    fall = {"games": len(curves), "fell": len(falls),
            "median": statistics.median(falls) if falls else None,
            "first": min(falls) if falls else None, "last": max(falls) if falls else None}
    return {"at": rows, "below": below, "fall": fall}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", help="arena folders (game-NNNN.sgf and .json)")
    ap.add_argument("--at", default="40,80,120", help="move numbers")
    ap.add_argument("--below", type=float, default=0.30)
    ap.add_argument("--json", default="", help="also write the figures here")
    a = ap.parse_args(argv)
    curves, skipped = [], 0
    for folder in a.folders:
        for sgf in sorted(Path(folder).glob("game-*.sgf")):
            try:
                c = engine_winrates(sgf)
            except (SgfError, OSError, ValueError, KeyError) as e:
                print(f"skipped {sgf}: {e}", file=sys.stderr)
                c = None
            if c:
                curves.append(c)
            else:
                skipped += 1
    if not curves:
        print("no records with tengen's win rates", file=sys.stderr)
        return 1
    s = summarise(curves, [int(x) for x in a.at.split(",") if x], a.below)
    s["skipped"] = skipped
    print(f"{len(curves)} games ({skipped} skipped); tengen's own win rate:")
    for move, r in s["at"].items():
        print(f"  move {move:4d}: median {r['median']:.2f}, middle half {r['q1']:.2f}-{r['q3']:.2f}"
              f" ({r['games']} games)")
    f = s["fall"]
    if f["fell"]:
        print(f"  first below {a.below:.2f}: median move {f['median']:.0f} ({f['first']} to "
              f"{f['last']}; {f['fell']} of {f['games']} games)")
    else:
        print(f"  never below {a.below:.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps(s, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
