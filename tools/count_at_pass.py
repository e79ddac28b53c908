"""Did tengen lose a game its opponent had already conceded by passing?

For every arena game (``game-NNNN.json`` + ``.sgf``) in the folders given where the
opponent passed before the end, ask a referee engine (GNU Go by default) for
``final_score`` of the position right after the opponent's first pass, and compare it
with the game's result. A game whose count was tengen's when the opponent passed and
that tengen lost anyway was thrown away after the pass (what found the policy player
filling its own area until a corner died: B+1.5 at GNU Go's pass, W+6.5 at the end).

    python tools/count_at_pass.py runs/arena_policy_rl58 benchmarks/results/ablation_19x19/*/
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from tengen.engine.board import BLACK, PASS
from tengen.engine.sgf import read_sgf
from tengen.match.gtp_client import GtpClient, gnugo_command


def first_opponent_pass(game: dict, moves) -> int | None:
    """Moves played up to and including the opponent's first pass (None: it never passed,
    or only in the two passes that ended a counted game). A resignation right after the
    pass counts: that is a won count thrown away too."""
    engine = BLACK if game["black"] == "engine" else 3 - BLACK
    last = len(moves) - 2 if game["reason"] == "score" else len(moves)
    for i, m in enumerate(moves[:last]):
        if m.pla != engine and m.loc == PASS:
            return i + 1
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--referee", default=gnugo_command(level=10))
    args = ap.parse_args(argv)
    rows, thrown = [], 0
    with GtpClient(args.referee, default_timeout=600) as ref:
        for folder in args.folders:
            for meta in sorted(Path(folder).glob("game-*.json")):
                game = json.loads(meta.read_text())
                sgf = meta.with_suffix(".sgf")
                if not sgf.exists():
                    continue
                rec = read_sgf(sgf)
                k = first_opponent_pass(game, rec.moves)
                if k is None:
                    continue
                path = os.path.abspath(sgf)
                if any(c.isspace() for c in path):  # GTP arguments cannot hold spaces
                    print(f"skipped {path}: a space in the path", flush=True)
                    continue
                ref.send(f"loadsgf {path} {k + 1}")
                count = ref.send("final_score").strip()
                colour = "B" if game["black"] == "engine" else "W"
                threw = count.startswith(colour + "+") and game["winner"] == "opponent"
                thrown += threw
                row = {"folder": folder, "game": game["index"], "engine": colour,
                       "opponent_passed_at": k, "moves": len(rec.moves), "count_then": count,
                       "result": game["result"], "winner": game["winner"],
                       "threw_a_won_count": threw}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(json.dumps({"games_with_an_opponent_pass": len(rows), "won_counts_thrown": thrown}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
