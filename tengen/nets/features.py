"""AlphaGo's 48 input planes (Nature 2016, Extended Data Table 2) plus a colour plane.

Computed in Numba straight from the board kernels (play + undo per candidate point), so a
19x19 position costs well under a millisecond. Planes, in order:

====  =======================  ==========================================================
 0-2  stone colour             own, opponent, empty
 3    ones                     constant 1 (marks the board inside zero padding)
 4-11 turns since              stone played 1, 2, ..., 7, >= 8 turns ago
12-19 liberties                liberties of the chain at the stone: 1, ..., 7, >= 8
20-27 capture size             opponent stones a move here captures: 0, ..., 6, >= 7
28-35 self-atari size          own stones left in atari by a move here: 1, ..., 7, >= 8
36-43 liberties after move     liberties of the chain a move here makes: 1, ..., 7, >= 8
44    ladder capture           a move here wins a ladder against an adjacent chain
45    ladder escape            a move here saves an own chain in atari from the ladder
46    sensible                 legal and does not fill one's own eye
47    zeros                    constant 0
48    colour to play           1 when black is to play (the value head's 49th plane)
====  =======================  ==========================================================
Move planes (20-46) are set on legal points only.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from tengen.engine.game import GameState

from tengen.engine.board import (BLACK, BORDER, COLOR, EMPTY, HEAD, LIBS, M_KO, M_KO_PLA, M_SIZE,
                            META_LEN, NROWS, R_CAPS, R_NCAP, SIZE, is_legal, is_own_eye,
                            load_colors, play, undo)
from tengen.engine.ladder import LADDER_DEPTH, ladder_captured, new_ladder_records
from tengen.engine.numba_kernel import kernel

NUM_PLANES = 49
SENSIBLE_PLANE = 46  # the moves self-play samples from
FEATURE_SET = "alphago48+color"
MAX_AGE = 8


# ------------------------------------------------------------------ planes


@kernel
def _onehot(out, base, value, cap, r, c):
    """Set plane base + min(value, cap) - 1 (value >= 1)."""
    v = value if value < cap else cap
    out[base + v - 1, r, c] = 1


@njit(cache=True, nogil=True)  # allocates (ladder_captured); nogil: a search's passes overlap
def compute_planes(B, meta, zob, pla, ages, out, recs):
    """Fill ``out`` (float32 or uint8, shape (49, n, n), zeroed here) for ``pla`` to move.
    ``ages``: turns since the stone on each padded loc was played (0: unknown / empty)."""
    n = meta[M_SIZE]
    w = n + 2
    opp = 3 - pla
    out[:] = 0
    for r in range(n):
        for c in range(n):
            loc = (r + 1) * w + c + 1
            col = B[COLOR, loc]
            out[3, r, c] = 1
            if pla == BLACK:
                out[48, r, c] = 1
            if col != EMPTY:
                out[0 if col == pla else 1, r, c] = 1
                age = ages[loc]
                if age < 1 or age > MAX_AGE:
                    age = MAX_AGE
                out[4 + age - 1, r, c] = 1
                _onehot(out, 12, B[LIBS, B[HEAD, loc]], 8, r, c)
                continue
            out[2, r, c] = 1
            if not is_legal(B, meta, loc, pla):
                continue
            if not is_own_eye(B, meta, loc, pla):
                out[46, r, c] = 1
            # ladder candidates, read before the move is made
            escape_stone = -1
            for nb in (loc - w, loc - 1, loc + 1, loc + w):
                if B[COLOR, nb] == pla and B[LIBS, B[HEAD, nb]] == 1:
                    escape_stone = nb
            play(B, meta, zob, loc, pla, recs[0])
            captured = recs[0][R_NCAP]
            _onehot(out, 20, captured + 1, 8, r, c)
            me = B[HEAD, loc]
            libs = B[LIBS, me]
            _onehot(out, 36, libs, 8, r, c)
            if libs == 1:
                _onehot(out, 28, B[SIZE, me], 8, r, c)
            if escape_stone > 0:
                if libs >= 3 or (libs == 2 and not ladder_captured(B, meta, zob, loc, False,
                                                                   recs[1:])):
                    out[45, r, c] = 1
            # ladder capture: an adjacent opponent chain now in atari that cannot escape
            for nb in (loc - w, loc - 1, loc + 1, loc + w):
                if B[COLOR, nb] == opp and B[LIBS, B[HEAD, nb]] == 1:
                    if ladder_captured(B, meta, zob, nb, True, recs[1:]):
                        out[44, r, c] = 1
                        break
            undo(B, meta, zob, recs[0])
    return out


def ages_from_moves(size: int, moves, colors_padded: np.ndarray) -> np.ndarray:
    """Turns since each stone still on the board was played (1 = the last move)."""
    ages = np.zeros((size + 2) ** 2, np.int8)
    seen = set()
    for k, m in enumerate(reversed(moves[-MAX_AGE:]), 1):
        if m.loc and m.loc not in seen:
            seen.add(m.loc)
            if colors_padded[m.loc] == m.pla:
                ages[m.loc] = k
    return ages


def state_planes(state, out: np.ndarray | None = None) -> np.ndarray:
    """The 49 planes (uint8) of a ``GameState`` or a search ``SimState`` for its side to
    move. Only the board arrays are copied (the ladder reader plays and undoes on the
    copy), never a game's undo records."""
    n = state.size
    if out is None:
        out = np.zeros((NUM_PLANES, n, n), np.uint8)
    if isinstance(state, GameState):  # a Board and the whole history
        b = state.board
        B, meta, zob, recent = b.B, b.meta, b.zob, state.moves
    else:
        B, meta, zob, recent = state.B, state.meta, state.zob, state.recent
    compute_planes(B.copy(), meta.copy(), zob, state.to_play,
                   ages_from_moves(n, recent, B[COLOR]), out, new_ladder_records(n))
    return out


@njit(cache=True)  # calls ladder_captured, which allocates
def _planes_from_packed(B, meta, zob, packed, ko, ko_pla, pla, out, recs, colors, ages):
    """Rebuild a position from one packed shard row and compute its planes."""
    n = meta[M_SIZE]
    w = n + 2
    colors[:] = BORDER
    ages[:] = 0
    for r in range(n):
        for c in range(n):
            v = packed[r * n + c]
            loc = (r + 1) * w + c + 1
            colors[loc] = v & 3
            ages[loc] = v >> 2
    load_colors(B, meta, zob, colors, ko, ko_pla)
    compute_planes(B, meta, zob, pla, ages, out, recs)


@njit(cache=True, nogil=True)  # nogil: training's data workers run it side by side
def batch_planes(size, zob, packed, ko, ko_pla, pla, out):
    """Planes for a batch of packed positions: ``packed`` (N, n*n) uint8 with colour in
    bits 0-1 and age in bits 2-5; ``out`` (N, 49, n, n)."""
    B, meta = _empty_board(size)
    w = size + 2
    recs = np.zeros((LADDER_DEPTH, R_CAPS + size * size), np.int32)
    colors = np.zeros(w * w, np.int32)
    ages = np.zeros(w * w, np.int32)
    for i in range(packed.shape[0]):
        _planes_from_packed(B, meta, zob, packed[i], ko[i], ko_pla[i], pla[i], out[i], recs,
                            colors, ages)
    return out


@njit(cache=True)
def _empty_board(size):
    w = size + 2
    B = np.zeros((NROWS, w * w), np.int32)
    meta = np.zeros(META_LEN, np.int64)
    B[COLOR, :] = BORDER
    meta[M_SIZE] = size
    return B, meta


def pack_position(state) -> tuple[np.ndarray, int, int]:
    """A GameState as one shard row: (packed uint8[n*n], ko loc, ko player)."""
    n = state.size
    b = state.board
    colors = b.B[COLOR]
    ages = ages_from_moves(n, state.moves, colors)
    grid = colors.reshape(n + 2, n + 2)[1:-1, 1:-1].astype(np.uint8)
    age = ages.reshape(n + 2, n + 2)[1:-1, 1:-1].astype(np.uint8)
    return (grid | (age << 2)).reshape(-1), int(b.meta[M_KO]), int(b.meta[M_KO_PLA])


__all__ = ["NUM_PLANES", "FEATURE_SET", "compute_planes", "state_planes", "batch_planes",
           "pack_position"]
