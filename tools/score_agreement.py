"""Does tengen's count of a finished game agree with the referee's?

For every finished SGF (two passes at the end, a numeric RE written by the arena's
referee) in the folders given, ask tengen's GTP to `loadsgf` it and answer `final_score`
and `final_status_list dead`, and compare with RE. Prints winner agreement, exact
agreement and the records that disagree; `--json FILE` keeps the details.

    python tools/score_agreement.py benchmarks/results/ablation_19x19/*/

Self-play records carry tengen's own exact count of the played-out position as RE; ask
GNU Go for the second opinion:

    python tools/score_agreement.py runs/rl/games --limit 200 \
        --engine "/usr/games/gnugo --mode gtp --level 10 --chinese-rules"
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tengen.engine.board import PASS
from tengen.engine.sgf import SgfError, read_sgf, result_margin
from tengen.match.gtp_client import GtpClient


def finished_records(folders: list[str]):
    """(path, RE) of every SGF that ended with two passes and a counted result."""
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.sgf")):
            try:
                rec = read_sgf(path)
            except (SgfError, OSError) as e:
                print(f"skipped {path}: {e}", file=sys.stderr)
                continue
            moves = rec.moves
            if len(moves) < 2 or moves[-1].loc != PASS or moves[-2].loc != PASS:
                continue  # resigned, forfeited or unfinished
            if result_margin(rec.result) is None:
                continue
            yield path, rec.result


def winner(result: str) -> str:
    return "0" if result in ("0", "Draw") else result[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+")
    p.add_argument("--engine", default="tengen gtp --player random",
                   help="the GTP engine whose count is checked (its player is not used)")
    p.add_argument("--json", help="write every record's comparison here")
    p.add_argument("--limit", type=int, default=0, help="check the first N records only")
    args = p.parse_args(argv)
    rows = []
    client = GtpClient(args.engine, default_timeout=300)
    try:
        for i, (path, referee) in enumerate(finished_records(args.folders)):
            if args.limit and i >= args.limit:
                break
            client.send(f"loadsgf {os.path.abspath(path)}")
            ours = client.send("final_score")
            dead = client.send("final_status_list dead").split()
            rows.append({"sgf": str(path), "referee": referee, "tengen": ours,
                         "dead": dead, "winner_agrees": winner(ours) == winner(referee),
                         "exact": ours == referee})
            print(f"{path}: referee {referee}, tengen {ours}"
                  + ("" if rows[-1]["exact"] else "  <- differs"), file=sys.stderr)
    finally:
        client.close()
    n = len(rows)
    wins = sum(r["winner_agrees"] for r in rows)
    exact = sum(r["exact"] for r in rows)
    summary = {"records": n, "winner_agreement": round(wins / n, 4) if n else None,
               "exact_agreement": round(exact / n, 4) if n else None,
               "winner_agrees": wins, "exact": exact}
    print(json.dumps(summary))
    for r in rows:
        if not r["exact"]:
            kind = "exact" if r["winner_agrees"] else "WINNER"
            print(f"  {kind:6s} {r['sgf']}: referee {r['referee']}, tengen {r['tengen']}")
    if args.json:
        tmp = f"{args.json}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({"summary": summary, "records": rows}, f, indent=1)
        os.replace(tmp, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
