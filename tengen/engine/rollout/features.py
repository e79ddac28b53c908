"""AlphaGo's fast rollout features (Nature 2016, Extended Data Table 4), in Numba.

A candidate move ``q`` for ``pla`` is described by a handful of active features, each an
index into one weight vector (a linear softmax, so a move's log-weight is the sum):

- **3x3 pattern** around ``q``: each of the 8 neighbours is empty, off the board, or a
  stone of either colour with 1, 2 or >= 3 liberties (AlphaGo's "non-response pattern").
- **save atari**: ``q`` is the liberty of an own chain in atari and the move saves it
  (the chain then has >= 2 liberties, or the move captures).
- **self-atari**: the move leaves its own chain with one liberty (small and large chains
  apart); **capture** (one stone, more) and **atari** (an adjacent opponent chain is left
  with one liberty) are cheap and carry much of a tactical reply's weight.
- **response pattern**: when ``q`` lies in the 12-point diamond around the previous move,
  the colours of that diamond plus the previous chain's liberties, and ``q``'s place in it;
  and **near previous move** by place alone (AlphaGo's "neighbour" feature, extended to the
  diamond).

Patterns are hashed into fixed tables (``PAT_BITS``), so the weight file needs no pattern
dictionary. Own eyes and suicides are excluded outright (no feature vector): rollouts never
play them, which is what lets a playout end.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from tengen.engine.board import (BLACK, BORDER, COLOR, EMPTY, HEAD, LIBS, M_SIZE, MARK, NEXT,
                                 SIZE, WHITE, heads4, new_stamp, is_own_eye)
from tengen.engine.numba_kernel import inline_kernel, kernel

PAT_BITS = 18
RESP_BITS = 18
OFF_PAT = 0
OFF_RESP = OFF_PAT + (1 << PAT_BITS)
OFF_SCALAR = OFF_RESP + (1 << RESP_BITS)
F_SAVE, F_SELF_ATARI, F_SELF_ATARI_BIG, F_CAPTURE, F_CAPTURE_BIG, F_ATARI = range(6)
F_NEAR = 6  # 12 places in the diamond around the previous move
NSCALAR = 32
NWEIGHTS = OFF_SCALAR + NSCALAR
MAXF = 8  # most features one candidate can have (pattern + 5 flags + 2 response)
NDIAMOND = 12

_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)

FEATURE_NAMES = {OFF_SCALAR + F_SAVE: "save atari", OFF_SCALAR + F_SELF_ATARI: "self-atari",
                 OFF_SCALAR + F_SELF_ATARI_BIG: "self-atari >= 3 stones",
                 OFF_SCALAR + F_CAPTURE: "capture 1", OFF_SCALAR + F_CAPTURE_BIG: "capture >= 2",
                 OFF_SCALAR + F_ATARI: "atari"}


@njit(cache=True, inline="always")
def _hash(code, bits):
    return np.int64((np.uint64(code) * _HASH_MUL) >> np.uint64(64 - bits))


@njit(cache=True, inline="always")
def _stone_state(B, nb, pla):
    """0 empty, 1 off board, 2-4 own stone with 1/2/3+ liberties, 5-7 opponent's."""
    c = B[COLOR, nb]
    if c == EMPTY:
        return 0
    if c == BORDER:
        return 1
    libs = min(B[LIBS, B[HEAD, nb]], 3)
    return 1 + libs if c == pla else 4 + libs


@inline_kernel
def _libs_after(B, meta, q, pla, empties, a, b, c, d):
    """Liberties (counted up to 2) of the chain ``pla`` makes at ``q``, joining the own
    chains with heads ``a..d`` (-1 for none), when the move captures nothing; ``empties``
    is the number of ``q``'s empty neighbours."""
    if empties >= 2:
        return 2  # most calls end here, before any marking
    w = meta[M_SIZE] + 2
    for hd in (a, b, c, d):
        if hd >= 0 and B[LIBS, hd] >= 3:
            return 2  # q takes at most one of them
    s = new_stamp(B, meta)
    B[MARK, q] = s
    n = 0
    for nb in (q - w, q - 1, q + 1, q + w):
        if B[COLOR, nb] == EMPTY and B[MARK, nb] != s:
            B[MARK, nb] = s
            n += 1
    for hd in (a, b, c, d):
        if hd < 0:
            continue
        x = hd
        while True:
            for nb in (x - w, x - 1, x + 1, x + w):
                if B[COLOR, nb] == EMPTY and B[MARK, nb] != s:
                    B[MARK, nb] = s
                    n += 1
                    if n >= 2:
                        return 2
            x = B[NEXT, x]
            if x == hd:
                break
    return n


@inline_kernel
def _tail(B, meta, q, pla, code, empties, a, b, c, d, e, f, g, h, out):
    """``pla``'s features at ``q`` given its 3x3 ``code``, the empty orthogonal
    neighbours, its own adjacent chains ``a..d`` and the opponent's ``e..h`` (heads,
    -1 for none): the part of ``point_features`` that depends on the colour."""
    if is_own_eye(B, meta, q, pla):
        return -1
    cap = 0
    atari = False
    for hd in (e, f, g, h):
        if hd >= 0:
            if B[LIBS, hd] == 1:
                cap += B[SIZE, hd]
            elif B[LIBS, hd] == 2:
                atari = True
    in_atari = False
    own_safe = False
    own_size = 1
    for hd in (a, b, c, d):
        if hd >= 0:
            own_size += B[SIZE, hd]
            if B[LIBS, hd] == 1:
                in_atari = True
            else:
                own_safe = True
    n = 0
    out[n] = OFF_PAT + _hash(code, PAT_BITS)
    n += 1
    if cap > 0:
        out[n] = OFF_SCALAR + (F_CAPTURE if cap == 1 else F_CAPTURE_BIG)
        n += 1
        if in_atari:
            out[n] = OFF_SCALAR + F_SAVE
            n += 1
    else:
        if empties == 0 and not own_safe:
            return -1  # suicide
        libs = _libs_after(B, meta, q, pla, empties, a, b, c, d)
        if libs == 1:
            out[n] = OFF_SCALAR + (F_SELF_ATARI if own_size < 3 else F_SELF_ATARI_BIG)
            n += 1
        elif in_atari:
            out[n] = OFF_SCALAR + F_SAVE
            n += 1
        if atari and libs >= 2:
            out[n] = OFF_SCALAR + F_ATARI
            n += 1
    return n


@kernel
def point_features(B, meta, q, pla, out):
    """Active non-response features of ``pla`` playing the empty point ``q`` into ``out``;
    returns how many, or -1 when rollouts never play there (occupied, own eye, suicide).
    Simple ko is the sampler's business: it changes every move."""
    if B[COLOR, q] != EMPTY:
        return -1
    w = meta[M_SIZE] + 2
    code = 0
    for nb in (q - w, q + w, q - 1, q + 1, q - w - 1, q - w + 1, q + w - 1, q + w + 1):
        code = code * 8 + _stone_state(B, nb, pla)
    empties = 0
    for nb in (q - w, q - 1, q + 1, q + w):
        if B[COLOR, nb] == EMPTY:
            empties += 1
    a, b, c, d = heads4(B, q, w, pla)
    e, f, g, h = heads4(B, q, w, 3 - pla)
    return _tail(B, meta, q, pla, code, empties, a, b, c, d, e, f, g, h, out)


@inline_kernel
def point_features_both(B, meta, q, out_black, out_white):
    """``point_features`` for black and for white at once (the rollouts keep both): the
    3x3 pattern and the adjacent chains are read once. Returns (black's n, white's n)."""
    if B[COLOR, q] != EMPTY:
        return -1, -1
    w = meta[M_SIZE] + 2
    code_b = 0
    code_w = 0
    for nb in (q - w, q + w, q - 1, q + 1, q - w - 1, q - w + 1, q + w - 1, q + w + 1):
        s = _stone_state(B, nb, BLACK)
        code_b = code_b * 8 + s
        # the same stone seen by white: own (2-4) and opponent (5-7) change places
        code_w = code_w * 8 + (s + 3 if 2 <= s <= 4 else (s - 3 if s >= 5 else s))
    empties = 0
    for nb in (q - w, q - 1, q + 1, q + w):
        if B[COLOR, nb] == EMPTY:
            empties += 1
    a, b, c, d = heads4(B, q, w, BLACK)
    e, f, g, h = heads4(B, q, w, WHITE)
    nb_ = _tail(B, meta, q, BLACK, code_b, empties, a, b, c, d, e, f, g, h, out_black)
    nw_ = _tail(B, meta, q, WHITE, code_w, empties, e, f, g, h, a, b, c, d, out_white)
    return nb_, nw_


@inline_kernel
def diamond(meta, m, pts):
    """The 12 points at distance 1-2 from ``m`` into ``pts`` (-1 off the board), in a
    fixed order: the response features' places."""
    n = meta[M_SIZE]
    w = n + 2
    r = m // w
    c = m % w
    k = 0
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            dist = abs(dr) + abs(dc)
            if dist == 0 or dist > 2:
                continue
            rr = r + dr
            cc = c + dc
            pts[k] = rr * w + cc if 1 <= rr <= n and 1 <= cc <= n else -1
            k += 1


@inline_kernel
def diamond_code(B, m, pla, pts):
    """Colours of the diamond around the previous move ``m`` (seen by ``pla``) and the
    liberties (1/2/3+, 0 when gone) of the chain at ``m``."""
    code = 0
    for k in range(NDIAMOND):
        p = pts[k]
        if p < 0:
            s = 1
        else:
            col = B[COLOR, p]
            s = 0 if col == EMPTY else (2 if col == pla else 3)
        code = code * 4 + s
    libs = 0
    if B[COLOR, m] != EMPTY:
        libs = min(B[LIBS, B[HEAD, m]], 3)
    return code * 4 + libs


@njit(cache=True, inline="always")
def response_index(code, k):
    """Weight index of the response pattern ``code`` for a candidate at place ``k``."""
    return OFF_RESP + _hash(code * 16 + k, RESP_BITS)


@njit(cache=True, inline="always")
def near_index(k):
    return OFF_SCALAR + F_NEAR + k
