"""Fast rollouts: play a position out with moves sampled from the linear softmax over
``rollout_features``, then count it by area.

Each point keeps, for both colours, its non-response weight ``gamma``, exp of the sum of
its features' log-weights, computed as a product over a table of exp(weight)
(``exp_weights``; 0 where rollouts never play), with row sums for a two-level draw.
After a move only the points whose features can have changed are recomputed: the 3x3
neighbourhood of the stone and of captured stones, and the surroundings of chains whose
liberties changed while at most two (features see 1, 2 or "3 or more" liberties, and
exact liberty points only for chains with at most two): so an own chain next to a
capture counts only if it had at most two liberties before it. Response weights (the
diamond around the previous move) are applied for one draw and undone.
``_rollout_checked`` in tests/test_rollout.py compares this state with a full
recomputation after every move.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numba import njit

from tengen.engine.board import (COLOR, EMPTY, HEAD, LIBS, M_KO, M_KO_PLA, M_SIZE, NEXT, PASS, R_CAPS,
                    R_NCAP, area_owner, area_score, new_record, play)
from tengen.engine.ladder import escape_fails, new_ladder_records, new_ladder_stack
from tengen.engine.numba_kernel import inline_kernel, kernel
from tengen.engine.playout import new_rng, rand_below
from tengen.engine.rollout.features import (MAXF, NDIAMOND, NWEIGHTS, diamond, diamond_code, near_index,
                               point_features_both, response_index)

WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "data" / "rollout.npz"


# ------------------------------------------------------------------ weights file


def save_weights(path: str | os.PathLike, w: np.ndarray, meta: dict | None = None) -> None:
    """Atomic write of a weight vector (float16 is plenty for log-weights; zeros, the
    hashed slots no pattern reached, compress away)."""
    import json

    path = Path(path)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}.npz")
    np.savez_compressed(tmp, w=w.astype(np.float16),
                        meta=np.frombuffer(json.dumps(meta or {}).encode(), np.uint8))
    os.replace(tmp, path)


def load_weights(path: str | os.PathLike | None = None) -> tuple[np.ndarray, dict]:
    import json

    path = Path(path or WEIGHTS_PATH)
    if not path.is_file():
        raise ValueError(f"{path}: no such rollout weights file")
    try:  # np.load refuses pickled objects: a weights file cannot run code
        with np.load(path) as z:
            w = z["w"].astype(np.float32)
            meta = json.loads(bytes(z["meta"]).decode() or "{}")
    except Exception as e:  # zip, key, pickle and decoding errors alike: not weights
        raise ValueError(f"{path}: not a rollout weights file (.npz with w and meta, from "
                         f"tengen train-rollout): {type(e).__name__}: {e}") from None
    if w.shape != (NWEIGHTS,):
        raise ValueError(f"{path}: rollout weights have {w.size} entries, expected "
                         f"{NWEIGHTS}")
    return w, meta


def exp_weights(w: np.ndarray) -> np.ndarray:
    """What the rollout kernels take: exp of each log-weight (float64), so a point's
    weight is a product of table entries and a move costs no ``exp``."""
    return np.exp(w.astype(np.float64))


# ------------------------------------------------------------------ per-point state


class Workspace:
    """Scratch arrays for rollouts on one board size (one per thread). ``ladders``: the
    ladder reader's records, without which escapes into a working ladder are not read."""

    def __init__(self, size: int, ladders: bool = True):
        L = (size + 2) ** 2
        self.gamma = np.zeros((2, L), np.float64)
        self.rowsum = np.zeros((2, size + 2), np.float64)
        self.mark = np.zeros(L + 1, np.int32)  # last slot: the stamp counter
        self.dirty = np.zeros(L, np.int32)
        self.feats = np.zeros(2 * MAXF, np.int64)  # black's features, then white's
        self.pts = np.zeros(NDIAMOND, np.int64)
        self.touched = np.zeros(4 * NDIAMOND + 8, np.int64)
        self.saved = np.zeros(4 * NDIAMOND + 8, np.float64)  # their weights before
        self.owner = np.zeros(L, np.int32)
        self.rec = new_record(size)
        # the ladder reader's undo records (none: ladders not read)
        self.ladder_recs = new_ladder_records(size)[:None if ladders else 0]
        self.ladder_stack = new_ladder_stack()  # ... and its search stack

    def arrays(self):
        return (self.gamma, self.rowsum, self.mark, self.dirty, self.feats,
                self.pts, self.touched, self.saved)


@inline_kernel
def _update_point(B, meta, ew, q, gamma, rowsum, feats):
    """Both colours' weights at ``q``: the product of exp(weight) over its features
    (``ew`` holds them: no ``exp`` per point), ``feats`` room for two feature lists."""
    row = q // (meta[M_SIZE] + 2)
    nb, nw = point_features_both(B, meta, q, feats[:MAXF], feats[MAXF:])
    for ci in range(2):
        n = nb if ci == 0 else nw
        g = 0.0
        if n >= 0:
            g = 1.0
            for i in range(n):
                g *= ew[feats[ci * MAXF + i]]
        rowsum[ci, row] += g - gamma[ci, q]
        gamma[ci, q] = g


@kernel
def init_state(B, meta, ew, gamma, rowsum, feats):
    """Every point from scratch."""
    n = meta[M_SIZE]
    wd = n + 2
    gamma[:] = 0.0
    rowsum[:] = 0.0
    for r in range(1, n + 1):
        for c in range(1, n + 1):
            _update_point(B, meta, ew, r * wd + c, gamma, rowsum, feats)
    for ci in range(2):  # exact sums, free of the drift of the running ones
        for r in range(wd):
            s = 0.0
            for c in range(wd):
                s += gamma[ci, r * wd + c]
            rowsum[ci, r] = s


@njit(cache=True, inline="always")
def _add_dirty(q, mark, dirty, nd, stamp):
    if mark[q] != stamp:
        mark[q] = stamp
        dirty[nd] = q
        nd += 1
    return nd


@inline_kernel
def _add_ring(B, w, q, mark, dirty, nd, stamp):
    """The empty points among ``q``'s eight neighbours."""
    for nb in (q - w - 1, q - w, q - w + 1, q - 1, q + 1, q + w - 1, q + w, q + w + 1):
        if B[COLOR, nb] == EMPTY:
            nd = _add_dirty(nb, mark, dirty, nd, stamp)
    return nd


@inline_kernel
def _add_around(B, w, q, mark, dirty, nd, stamp):
    """``q``'s empty 3x3 neighbourhood (and ``q`` itself)."""
    nd = _add_dirty(q, mark, dirty, nd, stamp)
    return _add_ring(B, w, q, mark, dirty, nd, stamp)


@inline_kernel
def _add_chain(B, w, head, mark, dirty, nd, stamp):
    """The empty 3x3 neighbourhoods of a chain's stones. The stones are marked (their
    head marks the chain as seen) but not added: an occupied point's weight is already 0."""
    x = head
    while True:
        mark[x] = stamp
        nd = _add_ring(B, w, x, mark, dirty, nd, stamp)
        x = B[NEXT, x]
        if x == head:
            break
    return nd


@inline_kernel
def _freed_next_to(B, w, rec, head):
    """How many of the stones just captured (``rec``) were liberties gained by the chain
    at ``head``."""
    n = 0
    for i in range(rec[R_NCAP]):
        x = rec[R_CAPS + i]
        for nb in (x - w, x - 1, x + 1, x + w):
            if B[COLOR, nb] != EMPTY and B[HEAD, nb] == head:
                n += 1
                break
    return n


@kernel
def play_and_update(B, meta, zob, ew, loc, pla, rec, gamma, rowsum, mark, dirty, feats):
    """Play a legal ``loc`` and refresh every point whose features it can change."""
    if loc == PASS:
        play(B, meta, zob, loc, pla, rec)
        return
    wd = meta[M_SIZE] + 2
    opp = 3 - pla
    own_low = False  # an own chain joined by the move had at most two liberties
    # heads of the opponent chains next to loc (four scalars: a kernel allocates nothing)
    o0 = o1 = o2 = o3 = -1
    k = 0
    for nb in (loc - wd, loc - 1, loc + 1, loc + wd):
        c = B[COLOR, nb]
        if c == pla and B[LIBS, B[HEAD, nb]] <= 2:
            own_low = True
        elif c == opp:
            hd = B[HEAD, nb]
            if k == 0:
                o0 = hd
            elif k == 1:
                o1 = hd
            elif k == 2:
                o2 = hd
            else:
                o3 = hd
            k += 1
    play(B, meta, zob, loc, pla, rec)
    stamp = mark[mark.shape[0] - 1] + 1
    if stamp >= 1 << 30:
        mark[:] = 0
        stamp = 1
    mark[mark.shape[0] - 1] = stamp
    nd = _add_around(B, wd, loc, mark, dirty, 0, stamp)
    me = B[HEAD, loc]
    if own_low or B[LIBS, me] <= 2:
        nd = _add_chain(B, wd, me, mark, dirty, nd, stamp)
    for hd in (o0, o1, o2, o3):
        if hd >= 0 and B[COLOR, hd] == opp and B[HEAD, hd] == hd and B[LIBS, hd] <= 2:
            nd = _add_chain(B, wd, hd, mark, dirty, nd, stamp)
    ncap = rec[R_NCAP]
    if ncap > 0:
        for i in range(ncap):
            nd = _add_around(B, wd, rec[R_CAPS + i], mark, dirty, nd, stamp)
        # own chains next to the captured stones gained liberties; one that had three or
        # more before keeps its class (3+) and its features, its new liberties (the
        # captured points) are refreshed above
        for i in range(ncap):
            x = rec[R_CAPS + i]
            for nb in (x - wd, x - 1, x + 1, x + wd):
                if B[COLOR, nb] == pla:
                    hd = B[HEAD, nb]
                    if mark[hd] != stamp:  # a chain's head marks it visited
                        mark[hd] = stamp
                        if B[LIBS, hd] - _freed_next_to(B, wd, rec, hd) <= 2:
                            nd = _add_chain(B, wd, hd, mark, dirty, nd, stamp)
    for i in range(nd):
        _update_point(B, meta, ew, dirty[i], gamma, rowsum, feats)


# ------------------------------------------------------------------ sampling


@inline_kernel
def _draw(rowsum, gamma, ci, wd, rng):
    """A point drawn with probability gamma / total, or -1 when nothing is left."""
    total = 0.0
    for r in range(wd):
        total += rowsum[ci, r]
    if total <= 1e-12:
        return -1
    x = (rand_below(rng, 1 << 30) + 0.5) / (1 << 30) * total
    for r in range(wd):
        rs = rowsum[ci, r]
        if x < rs:
            last = -1
            for q in range(r * wd, r * wd + wd):
                g = gamma[ci, q]
                if g > 0.0:
                    last = q
                    if x < g:
                        return q
                    x -= g
            if last >= 0:
                return last  # rounding at the row's end
            x = 0.0  # an empty row with a drifted sum: take the next point there is
        else:
            x -= rs
    for q in range(gamma.shape[1] - 1, -1, -1):
        if gamma[ci, q] > 0.0:
            return q
    return -1


@inline_kernel
def _set_gamma(gamma, rowsum, ci, q, g, wd):
    rowsum[ci, q // wd] += g - gamma[ci, q]
    gamma[ci, q] = g


@kernel
def sample_move(B, meta, zob, ew, pla, prev, rng, gamma, rowsum, pts, touched, saved,
                ladder_recs, ladder_stack):
    """One rollout move for ``pla``: response weights around ``prev`` for this draw, the
    ko point and escapes into a working ladder rejected (a rejected point is redrawn
    without it), PASS when no point is left. Every weight changed for the draw is put
    back from ``saved`` afterwards (in reverse, so a point changed twice gets its first
    value back)."""
    ci = pla - 1
    wd = meta[M_SIZE] + 2
    nt = 0
    if prev != PASS:
        diamond(meta, prev, pts)
        code = diamond_code(B, prev, pla, pts)
        for k in range(NDIAMOND):
            q = pts[k]
            if q >= 0 and gamma[ci, q] > 0.0:
                touched[nt] = q
                saved[nt] = gamma[ci, q]
                nt += 1
                _set_gamma(gamma, rowsum, ci, q,
                           saved[nt - 1] * ew[response_index(code, k)] * ew[near_index(k)], wd)
    loc = PASS
    while True:
        q = _draw(rowsum, gamma, ci, wd, rng)
        if q < 0:
            break
        if (q == meta[M_KO] and pla == meta[M_KO_PLA]) or \
                escape_fails(B, meta, zob, q, pla, ladder_recs, ladder_stack):
            touched[nt] = q
            saved[nt] = gamma[ci, q]
            nt += 1
            _set_gamma(gamma, rowsum, ci, q, 0.0, wd)
            continue
        loc = q
        break
    for i in range(nt - 1, -1, -1):
        _set_gamma(gamma, rowsum, ci, touched[i], saved[i], wd)
    return loc


@kernel
def rollout(B, meta, zob, ew, pla, prev, passes, max_moves, rng, rec, gamma, rowsum,
            mark, dirty, feats, pts, touched, saved, ladder_recs, ladder_stack):
    """Play the position out in place. Returns (black-minus-white area score without
    komi, moves played)."""
    init_state(B, meta, ew, gamma, rowsum, feats)
    moves = 0
    while passes < 2 and moves < max_moves:
        loc = sample_move(B, meta, zob, ew, pla, prev, rng, gamma, rowsum, pts, touched,
                          saved, ladder_recs, ladder_stack)
        play_and_update(B, meta, zob, ew, loc, pla, rec, gamma, rowsum, mark, dirty, feats)
        passes = passes + 1 if loc == PASS else 0
        prev = loc
        pla = 3 - pla
        moves += 1
    return area_score(B, meta), moves


@njit(cache=True, nogil=True)  # runs beside the network in the search's worker thread
def rollout_batch(B0, meta0, zob, ew, pla, prev, passes, count, rng, rec, gamma, rowsum,
                  mark, dirty, feats, pts, touched, saved, ladder_recs, ladder_stack, owner,
                  own_sum):
    """``count`` rollouts from one position: summed scores, summed moves; ``own_sum``
    (per point) gains +1 for every rollout black owns it in and -1 for white."""
    n = meta0[M_SIZE]
    total = 0.0
    moves = 0
    for _ in range(count):
        B = B0.copy()
        meta = meta0.copy()
        s, m = rollout(B, meta, zob, ew, pla, prev, passes, 3 * n * n, rng, rec, gamma,
                       rowsum, mark, dirty, feats, pts, touched, saved, ladder_recs, ladder_stack)
        total += s
        moves += m
        area_owner(B, meta, owner)
        for i in range(owner.shape[0]):
            if owner[i] == 1:
                own_sum[i] += 1
            elif owner[i] == 2:
                own_sum[i] -= 1
    return total, moves


class RolloutPolicy:
    """Rollouts from a ``GameState`` with the shipped (or given) weights. ``ladders``: an
    escape into a working ladder is never played (off by default until a match says it
    plays better: the reading costs rollout time)."""

    def __init__(self, weights: np.ndarray | None = None, seed: int = 0, ladders: bool = False):
        self.ladders = ladders
        self.w = load_weights()[0] if weights is None else weights.astype(np.float32)
        self.ew = exp_weights(self.w)
        self.rng = new_rng(seed)
        self._ws: dict[int, Workspace] = {}

    def workspace(self, size: int) -> Workspace:
        if size not in self._ws:
            self._ws[size] = Workspace(size, self.ladders)
        return self._ws[size]

    def run(self, state, count: int = 1) -> tuple[float, np.ndarray, int]:
        """``count`` rollouts from a ``GameState``: see ``run_arrays``."""
        b = state.board
        prev = state.moves[-1].loc if state.moves else PASS
        return self.run_arrays(b.B, b.meta, b.zob, state.to_play, prev, state.passes,
                               state.komi, count)

    def run_arrays(self, B, meta, zob, to_play: int, prev: int, passes: int, komi: float,
                   count: int = 1) -> tuple[float, np.ndarray, int]:
        """``count`` rollouts from a position (left unchanged): mean black-minus-white
        score (komi included), mean ownership per padded point (+1 black, -1 white),
        moves played."""
        size = int(meta[M_SIZE])
        ws = self.workspace(size)
        own = np.zeros(B.shape[1], np.float64)
        total, moves = rollout_batch(B, meta, zob, self.ew, to_play, prev, passes, count,
                                     self.rng, ws.rec, *ws.arrays(), ws.ladder_recs,
                                     ws.ladder_stack, ws.owner, own)
        return total / count - komi, own / count, moves


__all__ = ["RolloutPolicy", "Workspace", "load_weights", "save_weights", "rollout",
           "rollout_batch", "sample_move", "play_and_update", "init_state", "exp_weights",
           "WEIGHTS_PATH"]
