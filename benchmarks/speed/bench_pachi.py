"""Pachi's plain Monte Carlo playouts beside tengen's, in one run (issue 15's comparison).

Pachi is never a dependency: build it yourself from its public source (without its DCNN:
the playout engine is enough), following its own README, then
``python benchmarks/speed/bench_pachi.py --pachi PATH/pachi``. Pachi's
``montecarlo`` engine runs ``-t =N`` playouts for one ``genmove`` with no tree; the
playouts per second come from the difference between N and 2N playouts, so start-up
(pattern files, joseki) cancels out. ``playout=light`` is uniform random moves that keep
one's own eyes, as ``bench_board.py``'s; ``moggy`` is Pachi's heuristic policy, the
counterpart of tengen's learned rollouts (``bench_rollout.py``). Pachi stops a playout
at ``gamelen`` moves (400 by default); tengen plays to two passes (about 455 moves on
19x19), so ``gamelen`` is also run at 1000 for the like-for-like figure.
Rounds alternate Pachi and tengen so both see the same machine. Prints one JSON object.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402

ROOT = Path(__file__).resolve().parent


def pachi_rate(pachi: str, size: int, playouts: int, policy: str, gamelen: int) -> float:
    """Playouts per second of Pachi's montecarlo engine on an empty ``size`` board."""
    def run(n: int) -> float:
        cmds = f"boardsize {size}\nclear_board\nkomi 7.5\ngenmove b\nquit\n"
        t = time.perf_counter()
        subprocess.run([pachi, "-e", "montecarlo", "-t", f"={n}",
                        f"playout={policy},gamelen={gamelen}"], input=cmds.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t
    return playouts / (run(2 * playouts) - run(playouts))


def tengen_figures(seconds: float) -> dict:
    board = subprocess.run([sys.executable, str(ROOT / "bench_board.py"), "--seconds",
                            str(seconds)], capture_output=True, text=True, check=True)
    rollout = subprocess.run([sys.executable, str(ROOT / "bench_rollout.py"), "--archive",
                              "none", "--rollouts", "300"], capture_output=True, text=True,
                             check=True)
    return {**json.loads(board.stdout.strip().splitlines()[-1]),
            **json.loads(rollout.stdout.strip().splitlines()[-1])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pachi", required=True, help="path to a pachi binary")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0, help="bench_board.py's")
    add_json_arg(ap)
    args = ap.parse_args()
    rows = []
    for _ in range(args.rounds):
        p = {}
        for size, n in ((9, 100_000), (19, 20_000)):
            for policy, scale in (("light", 1), ("moggy", 4)):
                for gamelen in (400, 1000):
                    p[f"pachi_{policy}_{size}x{size}_gamelen{gamelen}"] = round(
                        pachi_rate(args.pachi, size, n // scale, policy, gamelen))
        t = tengen_figures(args.seconds)
        rows.append({**p, **{k: t[k] for k in (
            "playouts_per_s_9x9", "playouts_per_s_19x19", "rollouts_per_s_9x9",
            "rollouts_per_s_19x19", "us_per_move_19x19", "moves_per_playout_19x19")}})
    out = {"rounds": rows}
    for size in (9, 19):
        light = [r[f"playouts_per_s_{size}x{size}"] / r[f"pachi_light_{size}x{size}_gamelen1000"]
                 for r in rows]
        light400 = [r[f"playouts_per_s_{size}x{size}"] / r[f"pachi_light_{size}x{size}_gamelen400"]
                    for r in rows]
        out[f"light_ratio_{size}x{size}"] = [round(x, 2) for x in light]
        out[f"light_ratio_{size}x{size}_vs_gamelen400"] = [round(x, 2) for x in light400]
    by_round = [{"figure": k, **{f"round {i + 1}": r[k] for i, r in enumerate(rows)}}
                for k in rows[0]]
    ratios = [{"figure": k, **{f"round {i + 1}": x for i, x in enumerate(v)}}
              for k, v in out.items() if k != "rounds"]
    report(out, args.json, rows=by_round + ratios)


if __name__ == "__main__":
    main()
