"""The ladder: tengen's default engine against real engines, one refereed match a rung;
writes ladder.json, ladder.md (the table) and ladder.png (Elo and rating) into --out.

The peers are yours to build from their public sources, following their own READMEs,
into --peers (``pachi``, ``katago`` and KataGo's g170 b6c96 test net as ``b6c96.bin.gz``):
Pachi 12.90 without its DCNN, KataGo 1.17.2 with its Eigen CPU backend. Rerun the same
command to resume.

    python benchmarks/strength/ladder.py --peers ../peers --out benchmarks/results/ladder \\
        --rungs katago-b6c96-v1,pachi-5k --games 40
"""
import argparse
import sys
from pathlib import Path

from tengen.match.ladder import RUNGS, LadderConfig, format_table, rows_from, run_ladder, \
    write_table


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peers", required=True, help="folder with pachi, katago, b6c96.bin.gz")
    p.add_argument("--out", required=True)
    p.add_argument("--engine", default=LadderConfig.engine,
                   help="tengen's command ({seed}: the game's seed)")
    p.add_argument("--move-time", type=float, default=2.0,
                   help="seconds a move (0: no clock; fixed-playout peers ignore it)")
    p.add_argument("--games", type=int, default=40)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rungs", default="", help=f"comma-separated, of: {', '.join(RUNGS)}")
    p.add_argument("--table-only", action="store_true",
                   help="rewrite the table and plot from the rungs already played")
    a = p.parse_args()
    cfg = LadderConfig(peers=a.peers, out=a.out, engine=a.engine,
                       move_time=a.move_time or None, games=a.games, jobs=a.jobs, seed=a.seed,
                       rungs=[r for r in a.rungs.split(",") if r])
    Path(a.out).mkdir(parents=True, exist_ok=True)
    if a.table_only:
        result = write_table(rows_from(Path(a.out)), Path(a.out))
        print(format_table(result["rows"], result["estimate"]))
        return 0
    from tengen.match.arena import MatchStopped
    try:
        run_ladder(cfg)
    except MatchStopped as e:  # Ctrl-C: the games played are kept; the table says so
        print(f"ladder: {e}", file=sys.stderr)
        result = write_table(rows_from(Path(a.out)), Path(a.out))
        print(format_table(result["rows"], result["estimate"]))
        return 130
    result = write_table(rows_from(Path(a.out)), Path(a.out))
    print(format_table(result["rows"], result["estimate"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
