"""How early could a match's games have been resigned, and at what cost?

Replays the resignation rule (``engine/judge/pass_rules.ResignRule``) at other thresholds
on the win rates tengen wrote after each of its moves (the arena's SGF comments), for
every tengen side of the records (both sides of a tengen-against-tengen match, such as a
loop's gate). For each threshold: the games where a side would have resigned earlier than
the game ended, how many of those that side went on to win (false resignations: a
resigned game scored the other way), and the share of the games' moves that would not
have been played. A gate or a fixed-visit row spends most of its time in moves played
after the game is decided; this says how much of it a higher threshold saves, and what
it risks, on the games already played.

    python tools/resign_replay.py runs/loop3/gen-001/gate --thresholds 0.03,0.05,0.1,0.15
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tengen.engine.board import BLACK, WHITE
from tengen.engine.judge.pass_rules import ResignRule
from tengen.engine.move_log import belief_winrate
from tengen.engine.sgf import SgfError, read_sgf


def game_curves(sgf: Path) -> tuple[dict[int, list[tuple[int, float]]], int, int] | None:
    """({colour: [(moves played before it, its win rate)]} for the colours tengen played,
    the winner's colour, the number of moves), or None for a game with no winner on the
    board (a forfeit, a crash) or an unreadable record."""
    meta = sgf.with_suffix(".json")
    if not meta.exists():
        return None
    info = json.loads(meta.read_text())
    if info.get("failure") or info.get("reason") not in ("score", "resign"):
        return None
    try:
        rec = read_sgf(sgf)
    except (SgfError, OSError) as e:
        print(f"skipped {sgf}: {e}", file=sys.stderr)
        return None
    names = {BLACK: info["black"], WHITE: info["white"]}
    winner_name = info.get("winner")
    winner = next((c for c, n in names.items() if n == winner_name), None)
    if winner is None:
        return None
    curves: dict[int, list[tuple[int, float]]] = {}
    for number, (move, comment) in enumerate(zip(rec.moves, rec.comments)):
        rate = belief_winrate(comment)
        if rate is not None:
            curves.setdefault(move.pla, []).append((number, rate))
    return curves, winner, len(rec.moves)


def first_resignation(curves: dict[int, list[tuple[int, float]]], threshold: float,
                      consecutive: int, min_moves: int) -> tuple[int, int] | None:
    """(moves played, colour) where the first side would have resigned, or None."""
    best = None
    for colour, curve in curves.items():
        rule = ResignRule(threshold=threshold, consecutive=consecutive, min_moves=min_moves)
        for number, rate in curve:
            if rule.resigns(rate, number):
                if best is None or number < best[0]:
                    best = (number, colour)
                break
    return best


def replay(folders: list[str], thresholds: list[float], consecutive: int,
           min_moves: int) -> tuple[int, list[dict]]:
    games = [g for f in folders for s in sorted(Path(f).glob("game-*.sgf"))
             if (g := game_curves(s)) is not None]
    rows = []
    for t in thresholds:
        fired = false = saved = 0
        total = sum(n for _, _, n in games)
        for curves, winner, n in games:
            hit = first_resignation(curves, t, consecutive, min_moves)
            if hit is None or hit[0] >= n:
                continue
            fired += 1
            false += hit[1] == winner
            saved += n - hit[0]
        rows.append({"threshold": t, "games": len(games), "resigned_earlier": fired,
                     "false": false, "false_rate": round(false / fired, 4) if fired else None,
                     "moves_saved": round(saved / total, 4) if total else 0.0})
    return len(games), rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="arena result folders")
    p.add_argument("--thresholds", default="0.03,0.05,0.1,0.15,0.2")
    p.add_argument("--consecutive", type=int, default=1,
                   help="own moves in a row below the threshold (tengen gtp's default: 1)")
    p.add_argument("--min-moves", type=int, default=60, help="no resignation before this move")
    p.add_argument("--json", help="write the table here")
    a = p.parse_args(argv)
    n, rows = replay(a.folders, [float(x) for x in a.thresholds.split(",")],
                     a.consecutive, a.min_moves)
    if n == 0:
        print("no decided games with tengen's win rates in their records", file=sys.stderr)
        return 1
    print(f"{n} decided games; resign below the threshold for {a.consecutive} own move(s) "
          f"in a row, from move {a.min_moves}")
    print("| threshold | resigned earlier | the resigning side won | moves not played |\n"
          "|---|---|---|---|")
    for r in rows:
        rate = "" if r["false_rate"] is None else f" ({r['false_rate']:.1%})"
        print(f"| {r['threshold']:g} | {r['resigned_earlier']} | {r['false']}{rate} | "
              f"{r['moves_saved']:.1%} |")
    if a.json:
        Path(a.json).write_text(json.dumps({"games": n, "consecutive": a.consecutive,
                                            "min_moves": a.min_moves, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
