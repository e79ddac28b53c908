"""Uniformly random playouts in Numba: the speed benchmark's kernel, and the baseline
that the learned rollout policy later replaces.

A playout plays random legal moves that do not fill the mover's own single-point eye,
until two passes in a row (or a move cap, which stops ko cycles: random play has no
superko). Candidates are drawn from the board's list of empty points; a rejected point
is swapped out of the draw range, so each move costs about one draw.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from tengen.engine.board import EMPTIES, EPOS, M_NEMPTY, M_SIZE, PASS, area_score, is_playable, play
from tengen.engine.numba_kernel import kernel

_MUL = np.uint64(0x2545F4914F6CDD1D)


def new_rng(seed: int) -> np.ndarray:
    """State for the xorshift64* generator below (never zero)."""
    return np.array([(seed * 0x9E3779B97F4A7C15 + 1) % (1 << 64) or 1], np.uint64)


@njit(cache=True, inline="always")
def rand_below(rng, n):
    """Uniform integer in [0, n) for n < 2**32 (xorshift64*, then a multiply-shift)."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    r = (x * _MUL) >> np.uint64(32)
    return np.int64((r * np.uint64(n)) >> np.uint64(32))


@kernel
def random_move(B, meta, pla, rng):
    """A uniformly random legal move for ``pla`` that does not fill its own eye, or PASS."""
    k = meta[M_NEMPTY]
    while k > 0:
        i = rand_below(rng, k)
        loc = B[EMPTIES, i]
        if is_playable(B, meta, loc, pla):
            return loc
        # swap the rejected point past the draw range (the list is a set, order is free)
        k -= 1
        other = B[EMPTIES, k]
        B[EMPTIES, i] = other
        B[EMPTIES, k] = loc
        B[EPOS, other] = i
        B[EPOS, loc] = k
    return PASS


@kernel
def random_playout(B, meta, zob, pla, passes, max_moves, rng, rec):
    """Play out the position in place from ``pla`` to move, ``passes`` consecutive passes
    already made. Returns (black-minus-white area score, moves played)."""
    moves = 0
    while passes < 2 and moves < max_moves:
        loc = random_move(B, meta, pla, rng)
        play(B, meta, zob, loc, pla, rec)
        passes = passes + 1 if loc == PASS else 0
        pla = 3 - pla
        moves += 1
    return area_score(B, meta), moves


@njit(cache=True)
def playout_batch(B0, meta0, zob, pla, count, rng, rec):
    """``count`` playouts from one position (copied each time). Returns total moves."""
    total = 0
    for _ in range(count):
        B = B0.copy()
        meta = meta0.copy()
        n = meta[M_SIZE]
        _, m = random_playout(B, meta, zob, pla, 0, 3 * n * n, rng, rec)
        total += m
    return total
