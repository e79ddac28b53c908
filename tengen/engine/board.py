"""Numba kernels for one Go board: placement, captures, liberties, legality, undo.

The board is a padded 1-D array: a board of size ``n`` lives in a ``(n + 2) ** 2`` array
whose outer ring is ``BORDER``, so a neighbour is always ``loc +- 1`` or ``loc +- W``
(``W = n + 2``) and never needs a bounds check. Point-indexed data shares one int32 array
``B`` of shape ``(NROWS, L)``; per-board scalars live in an int64 array ``meta``. A copy
of the position is a copy of those two arrays.

Chains are circular linked lists (``NEXT``) with a representative stone (``HEAD``); the
head holds the chain's exact liberty count and size. Everything is updated incrementally
on ``play`` and restored on ``undo`` from a small int32 record; ``check_consistency``
recomputes it all from scratch for tests.

The board knows one move's rules only (captures, suicide, simple ko). Superko, passes
and scoring of a whole game live in ``game.py``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from tengen.engine.numba_kernel import inline_kernel, kernel

EMPTY, BLACK, WHITE, BORDER = 0, 1, 2, 3
PASS = 0  # loc 0 is a border corner, so it can never be a real point

# rows of B
COLOR, HEAD, NEXT, LIBS, SIZE, EMPTIES, EPOS, MARK, STACK = range(9)
NROWS = 9
# meta slots
M_SIZE, M_KO, M_KO_PLA, M_NEMPTY, M_HASH, M_STAMP = range(6)
META_LEN = 8
# undo record: loc, pla, previous ko, previous ko player, captured count, captured locs...
R_LOC, R_PLA, R_KO, R_KO_PLA, R_NCAP, R_CAPS = range(6)

MIN_SIZE, MAX_SIZE = 2, 25
_ZOBRIST_SEED = 20161027  # fixed so hashes are stable across runs and processes


def zobrist_table(size: int) -> np.ndarray:
    """Random 64-bit keys (as int64) for each colour and padded point."""
    w = size + 2
    rng = np.random.default_rng(_ZOBRIST_SEED + size)
    return rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(3, w * w),
                        dtype=np.int64)


def new_board_arrays(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty board of ``size``: ``(B, meta)``."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"board size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")
    w = size + 2
    B = np.zeros((NROWS, w * w), np.int32)
    meta = np.zeros(META_LEN, np.int64)
    B[COLOR, :] = BORDER
    ne = 0
    for r in range(size):
        for c in range(size):
            loc = (r + 1) * w + c + 1
            B[COLOR, loc] = EMPTY
            B[EMPTIES, ne] = loc
            B[EPOS, loc] = ne
            ne += 1
    meta[M_SIZE] = size
    meta[M_NEMPTY] = ne
    return B, meta


def new_record(size: int) -> np.ndarray:
    """An undo record large enough for any capture on this board size."""
    return np.zeros(R_CAPS + size * size, np.int32)


# ---------------------------------------------------------------- small helpers


@njit(cache=True, inline="always")
def new_stamp(B, meta):
    s = meta[M_STAMP] + 1
    if s >= 1 << 30:  # keep MARK within int32; rare, so a full clear is fine
        B[MARK, :] = 0
        s = 1
    meta[M_STAMP] = s
    return np.int32(s)


@njit(cache=True, inline="always")
def _remove_empty(B, meta, loc):
    i = B[EPOS, loc]
    last = meta[M_NEMPTY] - 1
    moved = B[EMPTIES, last]
    B[EMPTIES, i] = moved
    B[EPOS, moved] = i
    meta[M_NEMPTY] = last


@njit(cache=True, inline="always")
def _add_empty(B, meta, loc):
    n = meta[M_NEMPTY]
    B[EMPTIES, n] = loc
    B[EPOS, loc] = n
    meta[M_NEMPTY] = n + 1


@njit(cache=True, inline="always")
def heads4(B, loc, w, color):
    """Heads of the distinct chains of ``color`` next to ``loc``; -1 fills the rest."""
    a = B[HEAD, loc - w] if B[COLOR, loc - w] == color else -1
    b = B[HEAD, loc - 1] if B[COLOR, loc - 1] == color else -1
    if b == a:
        b = -1
    c = B[HEAD, loc + 1] if B[COLOR, loc + 1] == color else -1
    if c == a or c == b:
        c = -1
    d = B[HEAD, loc + w] if B[COLOR, loc + w] == color else -1
    if d == a or d == b or d == c:
        d = -1
    return a, b, c, d


@kernel
def count_libs(B, meta, head):
    """Exact liberties of the chain at ``head``, counted by walking it."""
    w = meta[M_SIZE] + 2
    s = new_stamp(B, meta)
    n = 0
    x = head
    while True:
        for nb in (x - w, x - 1, x + 1, x + w):
            if B[COLOR, nb] == EMPTY and B[MARK, nb] != s:
                B[MARK, nb] = s
                n += 1
        x = B[NEXT, x]
        if x == head:
            break
    return n


# ---------------------------------------------------------------- legality


@njit(cache=True, inline="always")
def _taken(B, meta, loc, pla):
    """Occupied, or the simple-ko point for ``pla``."""
    return B[COLOR, loc] != EMPTY or (loc == meta[M_KO] and pla == meta[M_KO_PLA])


@inline_kernel
def is_legal(B, meta, loc, pla):
    """Legal under simple ko with suicide forbidden (superko is the game's business)."""
    if loc == PASS:
        return True
    if _taken(B, meta, loc, pla):
        return False
    w = meta[M_SIZE] + 2
    opp = 3 - pla
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = B[COLOR, nb]
        if c == EMPTY:
            return True
        if c == pla:
            if B[LIBS, B[HEAD, nb]] > 1:
                return True
        elif c == opp:
            if B[LIBS, B[HEAD, nb]] == 1:
                return True
    return False


@njit(cache=True, inline="always")
def _false_eye(B, w, loc, opp, edge):
    """An eye shape at ``loc`` (own stones and the edge around it) that ``opp``'s diagonal
    stones make false: one on the edge, two in the middle."""
    bad = 0
    for nb in (loc - w - 1, loc - w + 1, loc + w - 1, loc + w + 1):
        if B[COLOR, nb] == opp:
            bad += 1
    return bad >= (1 if edge else 2)


@inline_kernel
def is_own_eye(B, meta, loc, pla):
    """A single-point eye of ``pla`` that is not a false eye (random playouts keep these)."""
    w = meta[M_SIZE] + 2
    edge = False
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = B[COLOR, nb]
        if c == BORDER:
            edge = True
        elif c != pla:
            return False
    return not _false_eye(B, w, loc, 3 - pla, edge)


@inline_kernel
def is_playable(B, meta, loc, pla):
    """``is_legal`` and not ``is_own_eye``, reading the neighbours once: what random
    playouts and ``sensible_moves`` ask of every candidate."""
    if _taken(B, meta, loc, pla):
        return False
    w = meta[M_SIZE] + 2
    opp = 3 - pla
    legal = False
    surrounded = True  # by own stones and the edge only: an eye unless a false one
    edge = False
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = B[COLOR, nb]
        if c == EMPTY:
            return True  # a liberty, so legal; an empty neighbour, so no eye
        if c == pla:
            if B[LIBS, B[HEAD, nb]] > 1:
                legal = True
        elif c == opp:
            surrounded = False
            if B[LIBS, B[HEAD, nb]] == 1:
                legal = True
        else:
            edge = True
    if not legal or not surrounded:
        return legal
    return _false_eye(B, w, loc, opp, edge)  # a false eye may be filled


@kernel
def hash_after(B, meta, zob, loc, pla):
    """Positional hash after ``pla`` plays a legal ``loc``, without playing it."""
    h = meta[M_HASH]
    if loc == PASS:
        return h
    h ^= zob[pla, loc]
    w = meta[M_SIZE] + 2
    opp = 3 - pla
    a, b, c, d = heads4(B, loc, w, opp)
    for hd in (a, b, c, d):
        if hd >= 0 and B[LIBS, hd] == 1:
            x = hd
            while True:
                h ^= zob[opp, x]
                x = B[NEXT, x]
                if x == hd:
                    break
    return h


@kernel
def _seen(sorted_hashes, h):
    i = np.searchsorted(sorted_hashes, h)
    return i < sorted_hashes.shape[0] and sorted_hashes[i] == h


@kernel
def sensible_moves(B, meta, zob, pla, history, extra, out):
    """Legal points (simple ko, suicide, positional superko against ``history`` (sorted)
    and ``extra``) that do not fill ``pla``'s own eye, into ``out``; returns how many."""
    k = 0
    for i in range(meta[M_NEMPTY]):
        q = B[EMPTIES, i]
        if not is_playable(B, meta, q, pla):
            continue
        h = hash_after(B, meta, zob, q, pla)
        if _seen(history, h):
            continue
        dup = False
        for j in range(extra.shape[0]):
            if extra[j] == h:
                dup = True
                break
        if not dup:
            out[k] = q
            k += 1
    return k


# ---------------------------------------------------------------- play


@kernel
def _capture(B, meta, zob, head, rec):
    """Remove the chain at ``head``; its stones become liberties of the adjacent chains."""
    w = meta[M_SIZE] + 2
    opp = B[COLOR, head]
    pla = 3 - opp
    h = meta[M_HASH]
    n = rec[R_NCAP]
    x = head
    while True:
        nxt = B[NEXT, x]
        B[COLOR, x] = EMPTY
        _add_empty(B, meta, x)
        h ^= zob[opp, x]
        rec[R_CAPS + n] = x
        n += 1
        a, b, c, d = heads4(B, x, w, pla)
        for hd in (a, b, c, d):
            if hd >= 0:
                B[LIBS, hd] += 1
        x = nxt
        if x == head:
            break
    rec[R_NCAP] = n
    meta[M_HASH] = h


@kernel
def _merged_libs(B, meta, loc, big, a, b, c, d):
    """Liberties of the chain that ``loc`` makes by joining the chains ``a..d`` (heads,
    -1 for none) into the biggest, ``big``, before they are relabelled: ``big``'s own
    count, less ``loc``, plus the empty neighbours of ``loc`` and of the smaller chains
    that ``big`` does not touch. Walks the small chains only (a merged chain in a
    19x19 playout averages 23 stones, the absorbed ones a few)."""
    w = meta[M_SIZE] + 2
    pla = B[COLOR, loc]
    s = new_stamp(B, meta)
    n = B[LIBS, big] - 1
    for hd in (np.int64(loc), a, b, c, d):
        if hd >= 0 and hd != big:
            x = hd
            while True:
                for nb in (x - w, x - 1, x + 1, x + w):
                    if B[COLOR, nb] == EMPTY and B[MARK, nb] != s:
                        B[MARK, nb] = s
                        if not ((B[COLOR, nb - w] == pla and B[HEAD, nb - w] == big)
                                or (B[COLOR, nb - 1] == pla and B[HEAD, nb - 1] == big)
                                or (B[COLOR, nb + 1] == pla and B[HEAD, nb + 1] == big)
                                or (B[COLOR, nb + w] == pla and B[HEAD, nb + w] == big)):
                            n += 1
                x = B[NEXT, x]
                if x == hd:
                    break
    return n


@kernel
def play(B, meta, zob, loc, pla, rec):
    """Play a legal move (check ``is_legal`` first) and fill the undo record ``rec``.

    Returns the number of stones captured.
    """
    rec[R_LOC] = loc
    rec[R_PLA] = pla
    rec[R_KO] = meta[M_KO]
    rec[R_KO_PLA] = meta[M_KO_PLA]
    rec[R_NCAP] = 0
    meta[M_KO] = PASS
    meta[M_KO_PLA] = 0
    if loc == PASS:
        return 0
    w = meta[M_SIZE] + 2
    opp = 3 - pla

    B[COLOR, loc] = pla
    _remove_empty(B, meta, loc)
    meta[M_HASH] ^= zob[pla, loc]

    # join own chains: the biggest one absorbs the others (union by size)
    a, b, c, d = heads4(B, loc, w, pla)
    big = loc
    nown = 0
    for hd in (a, b, c, d):
        if hd >= 0:
            nown += 1
            if big == loc or B[SIZE, hd] > B[SIZE, big]:
                big = hd
    B[HEAD, loc] = loc
    B[NEXT, loc] = loc
    B[SIZE, loc] = 1
    if nown == 0:
        libs = 0
        for nb in (loc - w, loc - 1, loc + 1, loc + w):
            if B[COLOR, nb] == EMPTY:
                libs += 1
        B[LIBS, loc] = libs
    else:
        if nown >= 2:
            B[LIBS, big] = _merged_libs(B, meta, loc, big, a, b, c, d)
        for hd in (np.int64(loc), a, b, c, d):  # one int type, whatever loc came as
            if hd >= 0 and hd != big:
                x = hd
                while True:  # relabel the absorbed chain
                    B[HEAD, x] = big
                    x = B[NEXT, x]
                    if x == hd:
                        break
                # splice the two rings
                t = B[NEXT, big]
                B[NEXT, big] = B[NEXT, hd]
                B[NEXT, hd] = t
                B[SIZE, big] += B[SIZE, hd]
        if nown == 1:
            # one chain: it loses loc and gains loc's empty neighbours it did not touch
            libs = B[LIBS, big] - 1
            for nb in (loc - w, loc - 1, loc + 1, loc + w):
                if B[COLOR, nb] == EMPTY:
                    touching = False
                    for nn in (nb - w, nb - 1, nb + 1, nb + w):
                        if nn != loc and B[COLOR, nn] == pla and B[HEAD, nn] == big:
                            touching = True
                            break
                    if not touching:
                        libs += 1
            B[LIBS, big] = libs

    # opponent chains lose the liberty at loc; those left with none are captured
    a, b, c, d = heads4(B, loc, w, opp)
    for hd in (a, b, c, d):
        if hd >= 0:
            B[LIBS, hd] -= 1
            if B[LIBS, hd] == 0:
                _capture(B, meta, zob, hd, rec)

    ncap = rec[R_NCAP]
    if ncap == 1:
        me = B[HEAD, loc]
        if B[SIZE, me] == 1 and B[LIBS, me] == 1:
            meta[M_KO] = rec[R_CAPS]
            meta[M_KO_PLA] = opp
    return ncap


# ---------------------------------------------------------------- undo


@kernel
def _rebuild_chain(B, meta, seed, done):
    """Flood-fill the chain through ``seed``: heads, ring, size, liberties.

    Its stones get MARK = ``done`` so one undo rebuilds each chain once.
    """
    w = meta[M_SIZE] + 2
    color = B[COLOR, seed]
    B[MARK, seed] = done
    B[STACK, 0] = seed
    top = 1
    prev = seed
    size = 0
    while top > 0:
        top -= 1
        x = B[STACK, top]
        B[HEAD, x] = seed
        B[NEXT, prev] = x
        prev = x
        size += 1
        for nb in (x - w, x - 1, x + 1, x + w):
            if B[COLOR, nb] == color and B[MARK, nb] != done:
                B[MARK, nb] = done
                B[STACK, top] = nb
                top += 1
    B[NEXT, prev] = seed
    B[SIZE, seed] = size
    B[LIBS, seed] = count_libs(B, meta, seed)


@kernel
def undo(B, meta, zob, rec):
    """Take back the move recorded in ``rec`` (the last one played on this board)."""
    loc = rec[R_LOC]
    meta[M_KO] = rec[R_KO]
    meta[M_KO_PLA] = rec[R_KO_PLA]
    if loc == PASS:
        return
    w = meta[M_SIZE] + 2
    pla = rec[R_PLA]
    opp = 3 - pla
    ncap = rec[R_NCAP]

    B[COLOR, loc] = EMPTY
    _add_empty(B, meta, loc)
    h = meta[M_HASH] ^ zob[pla, loc]
    for i in range(ncap):
        x = rec[R_CAPS + i]
        B[COLOR, x] = opp
        _remove_empty(B, meta, x)
        h ^= zob[opp, x]
    meta[M_HASH] = h

    done = new_stamp(B, meta)
    # restored opponent chains (their liberty counts include loc again)
    for i in range(ncap):
        x = rec[R_CAPS + i]
        if B[MARK, x] != done:
            _rebuild_chain(B, meta, x, done)
    # other opponent chains next to loc get loc back as a liberty
    a, b, c, d = heads4(B, loc, w, opp)
    for hd in (a, b, c, d):
        if hd >= 0 and B[MARK, hd] != done:
            B[LIBS, hd] += 1
    # own chains next to loc were merged through it: split them again
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if B[COLOR, nb] == pla and B[MARK, nb] != done:
            _rebuild_chain(B, meta, nb, done)
    # own chains that had gained the captured points as liberties lose them
    for i in range(ncap):
        x = rec[R_CAPS + i]
        for nb in (x - w, x - 1, x + 1, x + w):
            if B[COLOR, nb] == pla and B[MARK, nb] != done:
                _rebuild_chain(B, meta, nb, done)


# ---------------------------------------------------------------- whole-board queries


@kernel
def area_score(B, meta):
    """Tromp-Taylor area: black points minus white points (stones + empty regions that
    reach only one colour). Komi is the caller's."""
    n = meta[M_SIZE]
    w = n + 2
    s = new_stamp(B, meta)
    score = 0
    for r in range(n):
        for col in range(n):
            loc = (r + 1) * w + col + 1
            c = B[COLOR, loc]
            if c == BLACK:
                score += 1
            elif c == WHITE:
                score -= 1
            elif B[MARK, loc] != s:
                # flood the empty region, noting which colours it reaches
                B[MARK, loc] = s
                B[STACK, 0] = loc
                top = 1
                region = 0
                reach = 0
                while top > 0:
                    top -= 1
                    x = B[STACK, top]
                    region += 1
                    for nb in (x - w, x - 1, x + 1, x + w):
                        cc = B[COLOR, nb]
                        if cc == EMPTY:
                            if B[MARK, nb] != s:
                                B[MARK, nb] = s
                                B[STACK, top] = nb
                                top += 1
                        elif cc != BORDER:
                            reach |= cc
                if reach == BLACK:
                    score += region
                elif reach == WHITE:
                    score -= region
    return score


@njit(cache=True)
def area_owner(B, meta, out):
    """Tromp-Taylor owner of every point into ``out``: BLACK, WHITE, or EMPTY for dame
    and off-board points."""
    n = meta[M_SIZE]
    w = n + 2
    s = new_stamp(B, meta)
    region = np.empty(w * w, np.int32)
    out[:] = EMPTY
    for r in range(n):
        for col in range(n):
            loc = (r + 1) * w + col + 1
            c = B[COLOR, loc]
            if c != EMPTY:
                out[loc] = c
            elif B[MARK, loc] != s:
                B[MARK, loc] = s
                region[0] = loc
                k = 0  # next region point to expand
                m = 1  # points found so far
                reach = 0
                while k < m:
                    x = region[k]
                    k += 1
                    for nb in (x - w, x - 1, x + 1, x + w):
                        cc = B[COLOR, nb]
                        if cc == EMPTY:
                            if B[MARK, nb] != s:
                                B[MARK, nb] = s
                                region[m] = nb
                                m += 1
                        elif cc != BORDER:
                            reach |= cc
                if reach == BLACK or reach == WHITE:
                    for i in range(m):
                        out[region[i]] = reach
    return out


@njit(cache=True)
def check_consistency(B, meta, zob):
    """Recompute everything from the colours and compare; returns an error code (0 = ok).

    1 head/ring, 2 size, 3 liberties, 4 empty list, 5 hash, 6 border.
    """
    n = meta[M_SIZE]
    w = n + 2
    L = w * w
    h = np.int64(0)
    nempty = 0
    for loc in range(L):
        r = loc // w
        c = loc % w
        on = 1 <= r <= n and 1 <= c <= n
        col = B[COLOR, loc]
        if not on:
            if col != BORDER:
                return 6
            continue
        if col == EMPTY:
            nempty += 1
            i = B[EPOS, loc]
            if i < 0 or i >= meta[M_NEMPTY] or B[EMPTIES, i] != loc:
                return 4
        else:
            h ^= zob[col, loc]
    if nempty != meta[M_NEMPTY] or h != meta[M_HASH]:
        return 4 if nempty != meta[M_NEMPTY] else 5
    # chains by flood fill, compared with the incremental ring and counts
    seen = np.zeros(L, np.int32)
    libmark = np.zeros(L, np.int32)
    stack = np.zeros(L, np.int32)
    comp = 0
    for loc in range(L):
        col = B[COLOR, loc]
        if (col != BLACK and col != WHITE) or seen[loc] != 0:
            continue
        comp += 1
        head = B[HEAD, loc]
        seen[loc] = comp
        stack[0] = loc
        top = 1
        size = 0
        libs = 0
        while top > 0:
            top -= 1
            x = stack[top]
            size += 1
            if B[HEAD, x] != head:
                return 1
            for nb in (x - w, x - 1, x + 1, x + w):
                cc = B[COLOR, nb]
                if cc == col and seen[nb] == 0:
                    seen[nb] = comp
                    stack[top] = nb
                    top += 1
                elif cc == EMPTY and libmark[nb] != comp:
                    libmark[nb] = comp
                    libs += 1
        if B[COLOR, head] != col or seen[head] != comp:
            return 1
        if B[SIZE, head] != size:
            return 2
        if B[LIBS, head] != libs:
            return 3
        # the ring visits exactly the chain's stones
        x = head
        k = 0
        while True:
            if seen[x] != comp:
                return 1
            k += 1
            if k > size:
                return 1
            x = B[NEXT, x]
            if x == head:
                break
        if k != size:
            return 1
    return 0


class Board:
    """Python handle on the kernels: one position, with an undo stack of records."""

    __slots__ = ("size", "B", "meta", "zob", "_records", "_depth")

    def __init__(self, size: int = 19):
        self.size = size
        self.B, self.meta = new_board_arrays(size)
        self.zob = zobrist_table(size)
        self._records: list[np.ndarray] = []
        self._depth = 0

    def copy(self) -> "Board":
        other = Board.__new__(Board)
        other.size = self.size
        other.B = self.B.copy()
        other.meta = self.meta.copy()
        other.zob = self.zob
        other._records = [r.copy() for r in self._records[: self._depth]]
        other._depth = self._depth
        return other

    @property
    def width(self) -> int:
        return self.size + 2

    @property
    def hash(self) -> int:
        return int(self.meta[M_HASH])

    @property
    def ko(self) -> int:
        return int(self.meta[M_KO])

    def color(self, loc: int) -> int:
        return int(self.B[COLOR, loc])

    def colors(self) -> np.ndarray:
        """Colours of the real points as an (n, n) array, row 0 at the top."""
        w = self.width
        return self.B[COLOR].reshape(w, w)[1:-1, 1:-1].copy()

    def libs(self, loc: int) -> int:
        return int(self.B[LIBS, self.B[HEAD, loc]])

    def empties(self) -> np.ndarray:
        return self.B[EMPTIES, : self.meta[M_NEMPTY]].copy()

    def is_legal(self, loc: int, pla: int) -> bool:
        return bool(is_legal(self.B, self.meta, loc, pla))

    def is_own_eye(self, loc: int, pla: int) -> bool:
        return bool(is_own_eye(self.B, self.meta, loc, pla))

    def hash_after(self, loc: int, pla: int) -> int:
        return int(hash_after(self.B, self.meta, self.zob, loc, pla))

    def play(self, loc: int, pla: int) -> int:
        """Play a move already known to be legal; returns stones captured."""
        if self._depth == len(self._records):
            self._records.append(new_record(self.size))
        rec = self._records[self._depth]
        self._depth += 1
        return int(play(self.B, self.meta, self.zob, loc, pla, rec))

    def undo(self) -> None:
        if self._depth == 0:
            raise IndexError("nothing to undo")
        self._depth -= 1
        undo(self.B, self.meta, self.zob, self._records[self._depth])

    def last_captures(self) -> list[int]:
        rec = self._records[self._depth - 1]
        return [int(x) for x in rec[R_CAPS: R_CAPS + rec[R_NCAP]]]

    def place_stone(self, loc: int, pla: int) -> None:
        """Setup stone (handicap, SGF AB/AW): like a move but not undoable and no ko."""
        if self.B[COLOR, loc] != EMPTY:
            raise ValueError("point is occupied")
        if not is_legal(self.B, self.meta, loc, pla):
            raise ValueError("setup stone would have no liberties")
        w = self.width
        for nb in (loc - w, loc - 1, loc + 1, loc + w):  # checked before, so an error
            if self.B[COLOR, nb] == 3 - pla and self.libs(nb) == 1:  # leaves no trace
                raise ValueError("setup stone would capture")
        play(self.B, self.meta, self.zob, loc, pla, new_record(self.size))
        self.meta[M_KO] = PASS
        self._records.clear()
        self._depth = 0

    def area_score(self) -> int:
        return int(area_score(self.B, self.meta))

    def area_owner(self) -> np.ndarray:
        return area_owner(self.B, self.meta, np.zeros(self.width ** 2, np.int32))

    def check_consistency(self) -> int:
        return int(check_consistency(self.B, self.meta, self.zob))


@kernel
def load_colors(B, meta, zob, colors, ko, ko_pla):
    """Set an empty board of the right size to the position ``colors`` (int8 per padded
    loc, BORDER ignored): chains, liberties, empties and hash rebuilt from scratch.
    Chains without liberties are left as given (the caller supplies real positions)."""
    n = meta[M_SIZE]
    w = n + 2
    h = np.int64(0)
    ne = 0
    for r in range(n):
        for c in range(n):
            loc = (r + 1) * w + c + 1
            col = colors[loc]
            B[COLOR, loc] = col
            if col == EMPTY:
                B[EMPTIES, ne] = loc
                B[EPOS, loc] = ne
                ne += 1
            else:
                h ^= zob[col, loc]
    meta[M_NEMPTY] = ne
    meta[M_HASH] = h
    meta[M_KO] = ko
    meta[M_KO_PLA] = ko_pla
    done = new_stamp(B, meta)
    for r in range(n):
        for c in range(n):
            loc = (r + 1) * w + c + 1
            if B[COLOR, loc] != EMPTY and B[MARK, loc] != done:
                _rebuild_chain(B, meta, loc, done)
