"""Would the network's ownership output judge finished games better than the rollouts?

For every counted record (two passes at the end, a numeric RE from the arena's referee)
in the folders given, the end-of-game judgment (``tengen/engine/judge/judgment.py``) is
run three ways on the final position: on the rollouts' ownership (what ``final_score``
and ``final_status_list`` use), on the network's ownership output, and on their mean.
Prints winner and exact agreement with the referee for each; `--json FILE` keeps every
record's counts.

    python tools/judge_agreement.py DIR [DIR ...] --net tengen/data/policy.pt
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_agreement import finished_records, winner  # noqa: E402

from tengen.atomic import write_text  # noqa: E402
from tengen.engine.game import score_string  # noqa: E402
from tengen.engine.judge.judgment import Judge, judge  # noqa: E402
from tengen.engine.sgf import read_sgf  # noqa: E402

WAYS = ("rollouts", "net", "mean")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+")
    p.add_argument("--net", default="sl", help="a checkpoint with an ownership output")
    p.add_argument("--json", help="write every record's counts here")
    args = p.parse_args(argv)
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.nets.heads import NetHeads, TorchHeads
    heads = TorchHeads.of(load_checkpoint(args.net)[0].eval())
    if heads is None or not heads.ownership:
        p.error(f"{args.net} has no ownership output")
    heads = NetHeads(heads)
    reference = Judge()
    rows = []
    for path, referee in finished_records(args.folders):
        state = read_sgf(path).to_game_state()
        n = state.size
        rolled = reference(state)
        net = heads.estimate([state])[0][0].reshape(n, n)
        counts = {"rollouts": rolled.score,
                  "net": judge(state, reference.rollouts, ownership=net).score,
                  "mean": judge(state, reference.rollouts,
                                ownership=(net + rolled.ownership) / 2).score}
        row = {"sgf": str(path), "referee": referee}
        for way in WAYS:
            said = score_string(counts[way])
            row[way] = said
            row[f"{way}_winner"] = winner(said) == winner(referee)
            row[f"{way}_exact"] = said == referee
        rows.append(row)
        print(f"{path}: referee {referee}, " + ", ".join(f"{w} {row[w]}" for w in WAYS),
              file=sys.stderr)
    summary = {"records": len(rows)}
    for way in WAYS:
        summary[way] = {"winner_agrees": sum(r[f"{way}_winner"] for r in rows),
                        "exact": sum(r[f"{way}_exact"] for r in rows)}
    print(json.dumps(summary))
    if args.json:
        write_text(args.json, json.dumps({"summary": summary, "records": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
