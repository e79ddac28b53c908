"""What tengen's moves cost against Pachi, by how each was picked: the most visited move,
another of the three the engine's line lists (the lower confidence bound chose it), or
one outside them. The cost of a move is the swing of Pachi's own score estimate (its
``Score Est`` after each move, in the opponent's log) from before tengen's move to after
Pachi's reply, in points for tengen.

Pachi's estimate is a static count and noisy; the question it answers is whether moves
picked over the most visited one lose more points than those that are not.

    python tools/pick_swing.py benchmarks/results/ladder/pachi-5k --worst 10
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from tengen.engine.move_log import MOVE_LINE, belief_winrate

PACHI_ESTIMATE = re.compile(r"^Move: +(\d+) .*?Score Est: ([BW])\+([\d.]+)", re.M)
KINDS = ("most visited", "another listed", "outside the list")


def pachi_estimates(log: str) -> dict[int, float]:
    """Moves played -> Pachi's estimate of black's lead after them (the last one written)."""
    return {int(m[1]): (1 if m[2] == "B" else -1) * float(m[3])
            for m in PACHI_ESTIMATE.finditer(log)}


def pick_kind(move: str, belief: str) -> str:
    """How the move was picked, from the engine's ``top A 151 0.47, B 108 0.46, ...``."""
    top = belief.split(" top ", 1)[1].split(" pv ", 1)[0] if " top " in belief else ""
    listed = [t.split()[0] for t in top.split(", ") if t.strip()]
    if listed and listed[0] == move:
        return KINDS[0]
    return KINDS[1] if move in listed else KINDS[2]


def game_swings(folder: Path, index: int) -> list[dict]:
    meta = json.loads((folder / f"game-{index:04d}.json").read_text())
    sign = 1 if meta["black"] == "engine" else -1
    logs = folder / "logs"
    est = pachi_estimates((logs / f"game-{index:04d}-opponent.log").read_text(errors="replace"))
    rows = []
    for m in MOVE_LINE.finditer((logs / f"game-{index:04d}-engine.log").read_text(errors="replace")):
        number, move, belief = int(m[1]), m[3], m[4]
        if number - 1 in est and number + 1 in est and move not in ("pass", "resign"):
            rows.append({"game": index, "move": number, "played": move,
                         "kind": pick_kind(move, belief), "winrate": belief_winrate(belief),
                         "swing": sign * (est[number + 1] - est[number - 1])})
    return rows


def summarise(rows: list[dict], big: float = 20.0) -> dict:
    out = {}
    for kind in KINDS:
        s = [r["swing"] for r in rows if r["kind"] == kind]
        if s:
            out[kind] = {"moves": len(s), "mean": statistics.fmean(s),
                         "median": statistics.median(s),
                         "lost_big": sum(v <= -big for v in s), "big": big}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", help="arena folders against Pachi (with logs/)")
    ap.add_argument("--big", type=float, default=20.0, help="a swing this bad counts as a blunder")
    ap.add_argument("--worst", type=int, default=0, help="also list the N worst swings")
    ap.add_argument("--json", default="", help="also write the figures here")
    a = ap.parse_args(argv)
    rows, skipped = [], 0
    for folder in map(Path, a.folders):
        for meta in sorted(folder.glob("game-*.json")):
            try:
                rows += game_swings(folder, int(meta.stem.split("-")[1]))
            except (OSError, ValueError, KeyError) as e:
                print(f"skipped {meta}: {e}", file=sys.stderr)
                skipped += 1
    s = summarise(rows, a.big)
    print(f"{len(rows)} moves of tengen's ({skipped} games skipped); Pachi's estimate over "
          "the move and the reply, points for tengen:")
    for kind, r in s.items():
        print(f"  {kind:17s} {r['moves']:5d} moves: mean {r['mean']:+.2f}, median "
              f"{r['median']:+.1f}, {r['lost_big']} lost {a.big:g}+ "
              f"({r['lost_big'] / r['moves']:.1%})")
    for r in sorted(rows, key=lambda r: r["swing"])[:a.worst]:
        print(f"  game {r['game']} move {r['move']} {r['played']} ({r['kind']}, "
              f"win rate {r['winrate']}): {r['swing']:+.1f}")
    if a.json:
        Path(a.json).write_text(json.dumps({"summary": s, "moves": len(rows)}, indent=1))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
