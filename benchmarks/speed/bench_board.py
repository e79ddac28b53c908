"""Board speed: random playouts per second (9x9, 19x19) and play+undo pairs per second.

Single thread, after a warm-up that also compiles. Prints one JSON object as its last
line. Usage: python benchmarks/speed/bench_board.py [--seconds S]
"""
import argparse
import platform
import time

import numba
import numpy as np
from numba import njit

from tengen.engine.board import BLACK, Board, is_legal, new_record, play, undo
from tengen.engine.playout import new_rng, playout_batch, random_move

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/report.py
from report import add_json_arg, report  # noqa: E402


@njit(cache=True)
def play_undo_loop(B, meta, zob, locs, pla, rec, reps):
    """Play then undo every legal move in ``locs``, ``reps`` times; returns pairs done."""
    n = 0
    for _ in range(reps):
        for loc in locs:
            if is_legal(B, meta, loc, pla):
                play(B, meta, zob, loc, pla, rec)
                undo(B, meta, zob, rec)
                n += 1
    return n


def playouts_per_s(size: int, seconds: float) -> tuple[float, float]:
    b = Board(size)
    rng = new_rng(size)
    rec = new_record(size)
    playout_batch(b.B, b.meta, b.zob, BLACK, 50, rng, rec)  # warm-up
    done = moves = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        moves += playout_batch(b.B, b.meta, b.zob, BLACK, 200, rng, rec)
        done += 200
    dt = time.perf_counter() - t0
    return done / dt, moves / done


def play_undo_per_s(seconds: float) -> float:
    """From the 120th move of a random 19x19 game: every empty point, played and undone."""
    b = Board(19)
    rng = new_rng(5)
    pla = BLACK
    for _ in range(120):
        b.play(random_move(b.B, b.meta, pla, rng), pla)
        pla = 3 - pla
    locs = b.empties().astype(np.int32)
    rec = new_record(19)
    play_undo_loop(b.B, b.meta, b.zob, locs, pla, rec, 2)
    pairs = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        pairs += play_undo_loop(b.B, b.meta, b.zob, locs, pla, rec, 200)
    dt = time.perf_counter() - t0
    assert b.check_consistency() == 0
    return pairs / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    add_json_arg(ap)
    args = ap.parse_args()
    p9, m9 = playouts_per_s(9, args.seconds)
    p19, m19 = playouts_per_s(19, args.seconds)
    pu = play_undo_per_s(args.seconds)
    result = {
        "playouts_per_s_9x9": round(p9),
        "playouts_per_s_19x19": round(p19),
        "play_undo_per_s_19x19": round(pu),
        "moves_per_playout_9x9": round(m9, 1),
        "moves_per_playout_19x19": round(m19, 1),
        "ns_per_playout_move_19x19": round(1e9 / (p19 * m19), 1),
        "numba": numba.__version__,
        "cpu": platform.processor() or platform.machine(),
    }
    print(f"9x9: {p9:,.0f} playouts/s ({m9:.0f} moves each); 19x19: {p19:,.0f} playouts/s "
          f"({m19:.0f} moves each); 19x19 play+undo: {pu:,.0f}/s")
    report(result, args.json)


if __name__ == "__main__":
    main()
