"""Does the analysis rank moves the network calls hopeless? On the empty board and on
middle-game positions of held-out KGS games (move ``--move`` of each), search with the
shipped engine's settings and, after each visit budget (fixed compute: about 1, 2 and 10
s of a 2-core search), list any move among the three most visited whose prior is below
``--min-prior`` (0.1%) and which holds ``--share`` (5%) or more of the visits.

    python tools/analysis_check.py --archive ../shared/kgs/KGS-2017_05-19-847-.tar.gz
    python tools/analysis_check.py --archive ... --fpu legacy --select visits   # old rules
"""
from __future__ import annotations

import argparse
import json
import sys
from itertools import islice

import numpy as np

from tengen.engine.coords import loc_to_gtp
from tengen.engine.game import GameState
from tengen.engine.search.state import SimState
from tengen.engine.sgf import iter_sgf_files, parse_sgf
from tengen.players.build import PlayerOptions, search_config


def positions(archive: str, games: int, move: int):
    yield "empty board", GameState(19, 7.5)
    for name, data in islice(iter_sgf_files(archive), games):
        rec = parse_sgf(data)
        if rec.size != 19 or len(rec.moves) <= move:
            continue
        g = GameState(19, 7.5)
        for m in rec.moves[:move]:
            g.play(m.loc, m.pla)
        yield f"{name.split('/')[-1]} move {move}", g


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--archive", required=True)
    p.add_argument("--games", type=int, default=20)
    p.add_argument("--move", type=int, default=100)
    p.add_argument("--budgets", default="1000,2000,10000", help="cumulative visits")
    p.add_argument("--min-prior", type=float, default=0.001)
    p.add_argument("--share", type=float, default=0.05)
    p.add_argument("--fpu", default="average")
    p.add_argument("--select", default="lcb")
    p.add_argument("--backend", default="auto")
    p.add_argument("--json", default=None)
    a = p.parse_args()
    from tengen.players.search import build_search_player
    cfg = search_config(PlayerOptions(fpu=a.fpu, select=a.select, backend=a.backend,
                                      in_flight=2))
    player = build_search_player("sl", cfg, backend=a.backend)
    budgets = [int(b) for b in a.budgets.split(",")]
    report, flagged = [], {b: 0 for b in budgets}
    for name, g in positions(a.archive, a.games, a.move):
        player.mcts.set_root(SimState.from_game(g))  # a fresh tree for each position
        done = 0
        for b in budgets:
            player.mcts.search(visits=b - done)
            done = b
            root = player.mcts.root
            total = root.N.sum()
            top = np.argsort(-root.N)[:3]
            bad = [(loc_to_gtp(int(root.moves[i]), 19), int(root.N[i]), float(root.prior[i]))
                   for i in top if root.prior[i] < a.min_prior and root.N[i] >= a.share * total]
            flagged[b] += bool(bad)
            report.append({"position": name, "visits": b, "flagged": bad,
                           "top": [(loc_to_gtp(int(root.moves[i]), 19), int(root.N[i]),
                                    round(float(root.prior[i]), 5)) for i in top]})
            if bad:
                print(f"{name} at {b} visits: {bad}", file=sys.stderr)
    n = len(report) // len(budgets)
    summary = {"positions": n, "rules": {"fpu": a.fpu, "select": a.select},
               "flagged_by_budget": flagged}
    print(json.dumps(summary))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "positions": report}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
