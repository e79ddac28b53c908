"""A ladder of real engines: tengen against each rung, one refereed arena match a rung,
one table of win rates with Wilson intervals and Elo, and tengen's rating on a public
scale estimated from the rungs whose rating is known there.

The scale is the GoAIRatings list (Tromp-Taylor, komi 7.5, one thread, fixed playouts):
GNU Go 3.8 level 10 near 1240; Pachi without its DCNN near 1440 / 1660 / 1765 at 1k / 3k /
5k playouts. A rung without a known rating (KataGo at a few visits, handicap games, equal
time) still gets its row, but no say in the estimate.

The peers are built from their public sources into a folder of the user's (``--peers``:
``pachi``, ``katago``, ``b6c96.bin.gz`` inside); nothing of theirs is in this repository.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from tengen.atomic import save_figure, write_text
from tengen.match.arena import ArenaConfig, run_match
from tengen.match.refereed_game import GameConfig
from tengen.match.gtp_client import gnugo_command

# ratings on the GoAIRatings scale, where that list has the rung (see the module)
KNOWN_RATINGS = {"gnugo10": 1240.0, "pachi-1k": 1440.0, "pachi-3k": 1660.0,
                 "pachi-5k": 1765.0}


@dataclass
class Rung:
    name: str
    opponent: str  # GTP command line; {peers} is the peers folder, {out} the rung's folder
    handicap: int = 0
    engine_colour: str = "alternate"  # tengen's colour; "white" when it gives stones
    note: str = ""
    # the peer plays at fixed playouts or visits: off the match's clock (only tengen is on
    # it), or a slow peer would lose on time rows that are meant to measure its play
    fixed_compute: bool = False


@dataclass
class LadderConfig:
    peers: str = "peers"
    out: str = "ladder"
    engine: str = "tengen gtp --resign 0.03 --seed {seed}"
    move_time: float | None = 2.0  # seconds a move for both (a fixed-playout peer ignores it)
    games: int = 40
    jobs: int = 1
    seed: int = 1
    size: int = 19
    komi: float = 7.5
    rungs: list[str] = field(default_factory=list)  # names from RUNGS (empty: all)


KATAGO_CFG = """# written by tengen's ladder: one search thread, a fixed visit budget
logDir = {out}/katago_logs
rules = chinese
allowResignation = true
resignThreshold = -0.95
resignConsecTurns = 3
ponderingEnabled = false
maxVisits = {visits}
numSearchThreads = 1
nnMaxBatchSize = 8
numNNServerThreadsPerModel = 1
logAllGTPCommunication = false
logSearchInfo = false
logToStderr = false
"""


def katago(visits: int | None) -> Rung:
    """At a fixed number of visits, or (None) on the match's clock like tengen."""
    name = f"katago-b6c96-v{visits}" if visits else "katago-b6c96-equal-time"
    what = f"{visits} visits" if visits else "the match's clock"
    return Rung(name, "{peers}/katago gtp -model {peers}/b6c96.bin.gz -config {out}/katago.cfg",
                note=f"KataGo 1.17.2, Eigen CPU, g170 b6c96 test net, {what}, 1 thread",
                fixed_compute=visits is not None)


def pachi(playouts: int | None) -> Rung:
    if playouts is None:
        return Rung("pachi-equal-time", "{peers}/pachi threads=1",
                    note="Pachi 12.90, no DCNN, one thread, the match's clock")
    return Rung(f"pachi-{playouts // 1000}k", f"{{peers}}/pachi -t ={playouts} threads=1",
                note=f"Pachi 12.90, no DCNN, {playouts} playouts a move, one thread",
                fixed_compute=True)


def gnugo(stones: int) -> Rung:
    name = "gnugo10" if stones == 0 else f"gnugo10-h{stones}"
    return Rung(name, gnugo_command(level=10), handicap=stones,
                engine_colour="white" if stones else "alternate",
                note="GNU Go 3.8 level 10" + (f", taking {stones} stones" if stones else ""))


RUNGS = {r.name: r for r in [gnugo(0), gnugo(3), gnugo(5), pachi(5000), pachi(20000),
                             pachi(None), katago(1), katago(4), katago(16), katago(64),
                             katago(None)]}


def rung_config(cfg: LadderConfig, rung: Rung) -> ArenaConfig:
    out = Path(cfg.out) / rung.name
    out.mkdir(parents=True, exist_ok=True)
    peers = os.path.abspath(cfg.peers)
    if "katago" in rung.name:
        # on the clock: no visit cap, KataGo's own time management under the match's clock
        visits = int(rung.name.rsplit("-v", 1)[1]) if "-v" in rung.name else 10 ** 9
        (out / "katago.cfg").write_text(KATAGO_CFG.format(out=out.resolve(), visits=visits))
    opponent = rung.opponent.format(peers=peers, out=out.resolve())
    game = GameConfig(size=cfg.size, komi=cfg.komi, handicap=rung.handicap,
                      move_time=cfg.move_time, move_timeout=max(60.0, 10 * (cfg.move_time or 6)),
                      # (without a clock nothing is timed: the config stays as it was)
                      untimed=("opponent",) if rung.fixed_compute and cfg.move_time else ())
    return ArenaConfig(engine=cfg.engine, opponent=_seeded(opponent), games=cfg.games,
                       out=str(out), jobs=cfg.jobs, engine_colour=rung.engine_colour,
                       seed=cfg.seed, game=game)


def _seeded(opponent: str) -> str:
    """Every game its own seed: the arena gives GNU Go ``--seed``; Pachi takes ``-s``,
    KataGo a seed for its random symmetries (its only randomness at one visit)."""
    exe, _, rest = opponent.partition(" ")
    if os.path.basename(exe) == "pachi":
        return f"{exe} -s {{seed}} {rest}".strip()
    if os.path.basename(exe) == "katago":
        return f"{opponent} -override-config nnRandSeed={{seed}}"
    return opponent


def run_ladder(cfg: LadderConfig, progress: bool = True) -> list[dict]:
    names = cfg.rungs or list(RUNGS)
    unknown = [n for n in names if n not in RUNGS]
    if unknown:
        raise ValueError(f"unknown rungs {unknown}; known: {', '.join(RUNGS)}")
    rows = []
    for name in names:
        summary = run_match(rung_config(cfg, RUNGS[name]), progress=progress)
        rows.append(row(RUNGS[name], summary))
        write_table(rows, Path(cfg.out))
    return rows


def row(rung: Rung, s: dict) -> dict:
    return {"rung": rung.name, "note": rung.note, "games": s["wins"] + s["losses"] + s["draws"],
            "wins": s["wins"], "losses": s["losses"], "draws": s["draws"],
            "forfeits": s.get("forfeits", 0), "win_rate": s["win_rate"],
            "wilson_low": s["wilson_low"], "wilson_high": s["wilson_high"], "elo": s["elo"],
            "elo_low": s["elo_low"], "elo_high": s["elo_high"],
            "seconds_per_move": s["seconds_per_move"],
            "rung_rating": KNOWN_RATINGS.get(rung.name)}


def rows_from(out: Path) -> list[dict]:
    """The table's rows from the rung folders already played (their summary.json); a
    rung stopped before its first game ended has no row (not a 0.50 of no games)."""
    rows = []
    for name, rung in RUNGS.items():
        path = out / name / "summary.json"
        if path.exists():
            s = json.loads(path.read_text())
            if s["games"] + s.get("forfeits", 0) > 0:
                rows.append(row(rung, s))
    return rows


def estimate_rating(rows: list[dict]) -> dict | None:
    """Tengen's rating by maximum likelihood over the rated rungs' games (logistic Elo),
    with the interval where the log-likelihood is within 1.92 of its peak (95%)."""
    rated = [r for r in rows if r["rung_rating"] is not None and r["games"] > 0]
    if not rated:
        return None

    def loglik(R: float) -> float:
        total = 0.0
        for r in rated:
            p = 1.0 / (1.0 + 10 ** ((r["rung_rating"] - R) / 400.0))
            p = min(max(p, 1e-12), 1 - 1e-12)
            score = r["wins"] + 0.5 * r["draws"]
            total += score * math.log(p) + (r["games"] - score) * math.log(1 - p)
        return total
    grid = [600 + 2.0 * k for k in range(2401)]  # 600 .. 5400
    values = [loglik(R) for R in grid]
    peak = max(values)
    best = grid[values.index(peak)]
    inside = [R for R, v in zip(grid, values) if v >= peak - 1.92]
    return {"rating": best, "low": min(inside), "high": max(inside),
            "rungs": [r["rung"] for r in rated],
            "clipped": min(inside) <= grid[0] or max(inside) >= grid[-1]}


def format_table(rows: list[dict], estimate: dict | None) -> str:
    lines = ["| rung | games | tengen W-L | win rate [95%] | Elo vs rung [95%] | rung rating |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        rating = f"{r['rung_rating']:.0f}" if r["rung_rating"] is not None else "—"
        lines.append(f"| {r['rung']} | {r['games']} | {r['wins']}-{r['losses']} | "
                     f"{r['win_rate']:.2f} [{r['wilson_low']:.2f}, {r['wilson_high']:.2f}] | "
                     f"{r['elo']:+.0f} [{r['elo_low']:+.0f}, {r['elo_high']:+.0f}] | {rating} |")
    if estimate:
        lines.append("")
        figure = (f"at least {estimate['low']:.0f} (every rated rung won: no upper bound)"
                  if estimate["clipped"] else f"{estimate['rating']:.0f} "
                  f"[{estimate['low']:.0f}, {estimate['high']:.0f}]")
        lines.append(f"tengen on the GoAIRatings scale: {figure} (from "
                     f"{', '.join(estimate['rungs'])})")
    return "\n".join(lines)


def write_table(rows: list[dict], out: Path) -> dict:
    est = estimate_rating(rows)
    result = {"rows": rows, "estimate": est}
    write_text(out / "ladder.json", json.dumps(result, indent=1))
    write_text(out / "ladder.md", format_table(rows, est) + "\n")
    plot_ladder(rows, est, out / "ladder.png")
    return result


def plot_ladder(rows: list[dict], est: dict | None, path: Path) -> None:
    """Each rung's Elo difference from tengen with its interval; the rated rungs' implied
    tengen rating and the joint estimate on a second panel."""
    if not rows:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.5 * len(rows) + 2.5))
    ax = axes[0]
    ys = list(range(len(rows)))
    for y, r in zip(ys, rows):
        ax.errorbar(r["elo"], y, xerr=[[r["elo"] - r["elo_low"]], [r["elo_high"] - r["elo"]]],
                    fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(ys, [f"{r['rung']} ({r['wins']}-{r['losses']})" for r in rows])
    ax.set_xlabel("tengen's Elo against the rung (95%)")
    ax.invert_yaxis()
    ax = axes[1]
    rated = [r for r in rows if r["rung_rating"] is not None and r["games"]]
    for y, r in enumerate(rated):
        ax.errorbar(r["rung_rating"] + r["elo"], y,
                    xerr=[[r["elo"] - r["elo_low"]], [r["elo_high"] - r["elo"]]], fmt="s",
                    capsize=3, label=None)
    if est:
        ax.axvspan(est["low"], est["high"], alpha=0.2, color="C1",
                   label=f"estimate {est['rating']:.0f} [{est['low']:.0f}, {est['high']:.0f}]")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(range(len(rated)), [r["rung"] for r in rated])
    ax.set_xlabel("tengen's rating implied, GoAIRatings scale")
    ax.invert_yaxis()
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


__all__ = ["Rung", "LadderConfig", "RUNGS", "KNOWN_RATINGS", "run_ladder", "rung_config",
           "estimate_rating", "format_table", "write_table", "rows_from"]
