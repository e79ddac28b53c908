"""Where was a game lost, and did tengen know? A record replayed move by move.

For each position of an arena record (or any SGF) in a range of moves, the referee
(GNU Go by default) gives ``final_score`` and tengen searches the same position
(``genmove``; its one-line summary on stderr gives its move and win rate). The table
shows, for every move the traced side played, how much the referee's count moved with it,
beside what tengen believed; ``--plot`` draws both along the game.

    python tools/game_trace.py benchmarks/results/ablation_19x19/lam05_v1600/game-0034.sgf \\
        --first 190 --last 290 --plot /tmp/trace.png
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from tengen.engine.board import BLACK
from tengen.engine.move_log import MOVE_LINE, belief_winrate
from tengen.engine.sgf import read_sgf
from tengen.match.gtp_client import GtpClient, gnugo_command


def margin(count: str) -> float:
    """GTP ``final_score`` as black's margin: B+3.5 -> 3.5, W+2.5 -> -2.5, 0 -> 0."""
    count = count.strip()
    if count in ("0", "Draw"):
        return 0.0
    sign = 1.0 if count[0] == "B" else -1.0
    return sign * float(count[2:])


def last_summary(log: Path, number: int) -> tuple[str, float]:
    """The engine's move and win rate (for the mover) from its summary of move ``number``."""
    found = [m for m in MOVE_LINE.finditer(log.read_text()) if int(m.group(1)) == number]
    if not found:
        raise RuntimeError(f"no summary for move {number} in {log}")
    rate = belief_winrate(found[-1].group(4))
    if rate is None:
        raise RuntimeError(f"no win rate in the summary of move {number} in {log}")
    return found[-1].group(3), rate


def traced_side(sgf: Path, side: str) -> str | None:
    """B, W, or None (both): ``--side``, else the engine's colour in the arena's JSON."""
    if side != "auto":
        return None if side == "both" else side
    meta = sgf.with_suffix(".json")
    if meta.exists():
        return "B" if json.loads(meta.read_text())["black"] == "engine" else "W"
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sgf")
    ap.add_argument("--first", type=int, default=1, help="first move number traced")
    ap.add_argument("--last", type=int, default=0, help="last move number (0: the end)")
    ap.add_argument("--side", default="auto", help="B, W, both, or auto (the engine's, "
                    "from the arena's game-NNNN.json)")
    ap.add_argument("--engine", default="tengen gtp --visits 1600 --move-time 30")
    ap.add_argument("--referee", default=gnugo_command(level=10))
    ap.add_argument("--plot", default="")
    args = ap.parse_args(argv)
    sgf = Path(args.sgf).resolve()
    if any(c.isspace() for c in str(sgf)):
        ap.error("GTP arguments cannot hold spaces: move the record")
    rec = read_sgf(sgf)
    last = min(args.last or len(rec.moves), len(rec.moves))
    side = traced_side(sgf, args.side)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "engine.log"
        with GtpClient(args.referee, default_timeout=600) as ref, \
                GtpClient(args.engine, stderr_path=str(log), default_timeout=600) as eng:
            for n in range(args.first, last + 2):
                ref.send(f"loadsgf {sgf} {n}")
                now = margin(ref.send("final_score"))
                if rows:
                    rows[-1]["after"] = now
                if n > last:
                    break
                m = rec.moves[n - 1]
                colour = "B" if m.pla == BLACK else "W"
                row = {"move": n, "colour": colour, "before": now, "after": None}
                if side in (None, colour):
                    eng.send(f"loadsgf {sgf} {n}")
                    eng.send(f"genmove {colour}")
                    row["engine"], row["winrate"] = last_summary(log, n)
                rows.append(row)
    return report(rows, rec, args.plot)


def report(rows: list[dict], rec, plot: str) -> int:
    from tengen.engine.coords import loc_to_gtp
    print("move  side  played  tengen  winrate  referee (B)  change for the mover")
    for r in rows:
        played = loc_to_gtp(rec.moves[r["move"] - 1].loc, rec.size)
        if "engine" not in r:
            continue
        sign = 1 if r["colour"] == "B" else -1
        change = sign * (r["after"] - r["before"]) if r["after"] is not None else float("nan")
        flag = "  <-" if change <= -3 else ""
        print(f"{r['move']:4d}  {r['colour']:>4}  {played:>6}  {r['engine']:>6}  "
              f"{r['winrate']:7.3f}  {r['before']:+11.1f}  {change:+8.1f}{flag}")
    traced = [r for r in rows if "engine" in r]
    if traced:
        lost = sum(min(0.0, (1 if r["colour"] == "B" else -1) * (r["after"] - r["before"]))
                   for r in traced if r["after"] is not None)
        print(f"{len(traced)} moves traced; the referee's count moved against the mover by "
              f"{-lost:.1f} points over them in all")
    if plot and traced:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(9, 4))
        ax.plot([r["move"] for r in rows], [r["before"] for r in rows], color="k",
                label="referee's count (black's margin)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_xlabel("move")
        ax.set_ylabel("points")
        ax2 = ax.twinx()
        ax2.plot([r["move"] for r in traced],
                 [r["winrate"] if r["colour"] == "B" else 1 - r["winrate"] for r in traced],
                 color="tab:blue", marker=".", label="tengen's win rate for black")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("win rate")
        fig.legend(loc="lower left")
        fig.tight_layout()
        tmp = plot + ".tmp.png"
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, plot)
        print(f"plot: {plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
