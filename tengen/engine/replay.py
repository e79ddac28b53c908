"""Replay game records through our rules and say, for each one that fails, why.

Real game records are the rules' second opinion: a capture, ko or suicide bug shows up
as thousands of "illegal" moves in games that were played legally. A record is:

- ``ok``: every move legal under our rules (positional superko, suicide forbidden);
- ``superko``: legal under simple ko (the rules most KGS games used) but repeats a
  whole-board position, which our positional superko forbids;
- ``illegal``: a move even simple ko rejects (``reason``: occupied, suicide, ko);
- ``parse``/``content``/``size``: not a usable record.
"""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tengen.engine.sgf import (GameRecord, SgfError, SgfIllegalMove, iter_sgf_files, parse_sgf,
                  sgfmill_point)


@dataclass
class ReplayOutcome:
    source: str
    name: str
    status: str  # ok, superko, illegal, parse, content, size
    reason: str = ""
    move: int = 0
    message: str = ""
    moves: int = 0


def replay_record(data: bytes, source: str = "", name: str = "") -> ReplayOutcome:
    try:
        rec = parse_sgf(data)
    except SgfError as e:
        return ReplayOutcome(source, name, e.kind, message=str(e))
    n = len(rec.moves)
    try:
        rec.to_game_state()
        return ReplayOutcome(source, name, "ok", moves=n)
    except SgfIllegalMove as e:
        if e.reason != "superko":
            return ReplayOutcome(source, name, "illegal", e.reason, e.move_number, str(e), n)
        first = e
    except SgfError as e:
        return ReplayOutcome(source, name, e.kind, message=str(e), moves=n)
    try:
        rec.to_game_state(superko=False)
    except SgfIllegalMove as e:
        return ReplayOutcome(source, name, "illegal", e.reason, e.move_number, str(e), n)
    return ReplayOutcome(source, name, "superko", "superko", first.move_number, str(first), n)


def replay_archive(path: str) -> list[ReplayOutcome]:
    src = Path(path).name
    return [replay_record(data, src, name) for name, data in iter_sgf_files(path)]


def summarize(outcomes: list[ReplayOutcome]) -> dict:
    status = Counter(o.status for o in outcomes)
    reasons = Counter(f"{o.status}:{o.reason}" if o.reason else o.status
                      for o in outcomes if o.status != "ok")
    return {
        "records": len(outcomes),
        "replayed_fully": status["ok"],
        "moves_replayed": sum(o.moves for o in outcomes if o.status == "ok"),
        "by_status": dict(sorted(status.items())),
        "failures_by_reason": dict(sorted(reasons.items())),
        "failures": [asdict(o) for o in outcomes if o.status != "ok"],
    }


def replay_paths(paths: list[str], jobs: int = 1) -> list[ReplayOutcome]:
    if jobs <= 1 or len(paths) == 1:
        return [o for p in paths for o in replay_archive(p)]
    with ProcessPoolExecutor(jobs) as pool:
        return [o for chunk in pool.map(replay_archive, paths) for o in chunk]


def main_replay_check(paths: list[str], out: str | None, jobs: int) -> int:
    outcomes = replay_paths(paths, jobs)
    report = summarize(outcomes)
    for f in report["failures"]:
        print(f"{f['source']}/{f['name']}: {f['status']} {f['message']}", file=sys.stderr)
    if out:
        tmp = f"{out}.tmp{os.getpid()}"
        with open(tmp, "w") as fh:
            json.dump(report, fh, indent=1)
        os.replace(tmp, out)
    brief = {k: v for k, v in report.items() if k != "failures"}
    print(json.dumps(brief))
    return 0


# ------------------------------------------------------------------ sgfmill's own board


def compare_with_sgfmill(rec: GameRecord) -> int | None:
    """Play the record on our board and on sgfmill's and compare every point after every
    move. Returns the first move number where they differ (0: the setup), or None."""
    from sgfmill import boards

    size = rec.size
    theirs = boards.Board(size)
    theirs.apply_setup([sgfmill_point(loc, size) for loc in rec.setup_black],
                       [sgfmill_point(loc, size) for loc in rec.setup_white], [])
    ours = rec.to_game_state(upto=0, superko=False)
    code = {None: 0, "b": 1, "w": 2}

    def same() -> bool:
        grid = np.array([[code[theirs.get(size - 1 - r, c)] for c in range(size)]
                         for r in range(size)])
        return bool((grid == ours.colors()).all())

    if not same():
        return 0
    for i, m in enumerate(rec.moves, 1):
        ours.play(m.loc, m.pla)
        if m.loc:
            theirs.play(*sgfmill_point(m.loc, size), "b" if m.pla == 1 else "w")
        if not same():
            return i
    return None
