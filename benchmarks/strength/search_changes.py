"""Each search rule's own effect: tengen with the rule on against tengen with it off, the
same net, fixed visits, every game its own seed on both sides, GNU Go as referee, a
sequential test (SPRT) that stops once the effect is clear, 100 games at most.

A rule that is on by default (first-play urgency from the parent's average, LCB
selection) is measured by turning it off in the opponent; a rule that is off by default
(c_puct growth, score utility) by turning it on in the engine. Either way the row reads
"the rule on, against it off". Writes one arena folder a rule and ``search_changes.json``
/ ``search_changes.md`` into --out; rerun the same command to resume.

    python benchmarks/strength/search_changes.py --out runs/search_changes \\
        --changes fpu,lcb,cpuct-log,score,rollout-ladders,late-mix,symmetry --visits 400 --jobs 2
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from tengen.atomic import write_text


@dataclass(frozen=True)
class Change:
    flags: str  # what turns the rule on (default on) or off (default off)
    default_on: bool
    note: str


CHANGES = {
    "fpu": Change("--fpu legacy", True,
                  "first-play urgency from the parent's running average less a visited-policy "
                  "reduction (off: the parent's single leaf value less 0.25)"),
    "lcb": Change("--select visits", True,
                  "the move played by lower confidence bound among well-visited moves "
                  "(off: the most visited)"),
    "cpuct-log": Change("--c-puct-log 0.45", False,
                        "c_puct grows as 1.5 + 0.45 log((N + 500) / 500), KataGo's constants"),
    "lcb-z5": Change("--lcb-z 5", False,
                     "the lower confidence bound 5 standard errors below the mean (KataGo's "
                     "lcbStdevs), not 3: a lightly visited move whose mean has not yet met the "
                     "opponent's best reply is picked less often"),
    "score": Change("--score-weight 0.3", False,
                    "score utility from the rollouts' margins, KataGo's dynamic weight 0.3"),
    "rollout-ladders": Change("--rollout-ladders", False,
                              "the rollouts refuse an escape into a working ladder (read by the "
                              "planes' ladder reader), so a leaf's rollout sees a ladder"),
    "symmetry": Change("--random-symmetry", False,
                       "each network pass in one of the board's 8 symmetries, drawn at random "
                       "(AlphaGo's search): the tree averages the net's orientation quirks"),
    "late-mix": Change("--lam 0 --lam-late 1", False,
                       "the value network alone early (lambda 0), the rollouts from 55% of the "
                       "board filled (lambda 1), linear between; off: lambda 0.5 throughout"),
}


def commands(base: str, change: Change) -> tuple[str, str]:
    """(engine, opponent): the engine plays with the rule on, the opponent with it off."""
    with_flags = f"{base} {change.flags}"
    return (base, with_flags) if change.default_on else (with_flags, base)


def base_command(visits: int, extra: str = "") -> str:
    """tengen at a fixed number of visits; the clock never binds (a move's timeout does)."""
    return (f"{shlex.quote(sys.executable)} -m tengen gtp --visits {visits} "
            f"--move-time 100000 --resign 0.03 --threads 1 --seed {{seed}} {extra}").strip()


def row(name: str, change: Change, summary: dict) -> dict:
    return {"change": name, "default": "on" if change.default_on else "off",
            "note": change.note, **{k: summary.get(k) for k in (
                "games", "wins", "losses", "draws", "forfeits", "win_rate", "wilson_low",
                "wilson_high", "elo", "elo_low", "elo_high", "elo_clipped", "sprt")}}


def table(rows: list[dict]) -> str:
    out = ["| rule | default | games | rule on W-L | win rate [95%] | Elo of the rule [95%] | SPRT |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        sprt = (r.get("sprt") or {}).get("decision") or "undecided"
        # a sweep has no finite estimate: only its lower bound says anything
        elo = (f"above {r['elo_low']:+.0f}" if r.get("elo_clipped") and r["losses"] == 0 else
               f"below {r['elo_high']:+.0f}" if r.get("elo_clipped") else
               f"{r['elo']:+.0f} [{r['elo_low']:+.0f}, {r['elo_high']:+.0f}]")
        out.append(f"| {r['change']} | {r['default']} | {r['games']} | {r['wins']}-{r['losses']} "
                   f"| {r['win_rate']:.2f} [{r['wilson_low']:.2f}, {r['wilson_high']:.2f}] "
                   f"| {elo} | {sprt} |")
    return "\n".join(out)


def write(out: Path, visits: int, rows: list[dict]) -> None:
    write_text(out / "search_changes.json", json.dumps({"visits": visits, "rows": rows},
                                                       indent=1))
    write_text(out / "search_changes.md", table(rows) + "\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--changes", default=",".join(CHANGES),
                   help=f"comma-separated, of: {', '.join(CHANGES)}")
    p.add_argument("--visits", type=int, default=400)
    p.add_argument("--games", type=int, default=100, help="the cap; the SPRT stops earlier")
    p.add_argument("--sprt", default="0,100", help="elo0,elo1 of the sequential test")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=31001)
    p.add_argument("--engine-args", default="", help="more `tengen gtp` flags for both sides")
    p.add_argument("--table-only", action="store_true",
                   help="rewrite the table from the rules' folders played so far")
    a = p.parse_args()
    names = [n for n in a.changes.split(",") if n]
    unknown = [n for n in names if n not in CHANGES]
    if unknown:
        p.error(f"unknown changes {unknown}; known: {', '.join(CHANGES)}")
    from tengen.match.arena import ArenaConfig, MatchStopped, run_match
    from tengen.match.refereed_game import GameConfig
    elo0, elo1 = (float(x) for x in a.sprt.split(","))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.table_only:
        rows = [row(n, CHANGES[n], json.loads((out / n / "summary.json").read_text()))
                for n in names if (out / n / "summary.json").exists()]
        write(out, a.visits, rows)
        print(table(rows))
        return 0
    rows = []
    for name in names:
        engine, opponent = commands(base_command(a.visits, a.engine_args), CHANGES[name])
        cfg = ArenaConfig(engine=engine, opponent=opponent, games=a.games,
                          out=str(out / name), jobs=a.jobs, seed=a.seed, sprt=(elo0, elo1),
                          game=GameConfig(size=19, komi=7.5, move_timeout=300.0))
        try:
            summary = run_match(cfg)
        except MatchStopped as e:
            print(f"search_changes: {e}", file=sys.stderr)
            return 130
        rows.append(row(name, CHANGES[name], summary))
        write(out, a.visits, rows)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
