"""Ladder reading: is a chain caught in a ladder (shicho)? The 48 input planes use it for
their ladder capture and escape planes; the rollouts use it to refuse an escape that runs
into a working ladder, which a playout policy never reads by itself (AlphaGo's rollout
features have no ladder input, and a random chase rarely finishes a ladder, so without
the check a playout lets a broken ladder live and the search believes it).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from tengen.engine.board import (COLOR, EMPTY, HEAD, LIBS, M_SIZE, NEXT, R_NCAP, is_legal,
                                 new_record, play, undo)
from tengen.engine.numba_kernel import inline_kernel, kernel

LADDER_DEPTH = 60  # plies of ladder reading; a longer ladder is taken to fail


@kernel
def _chain_libs2(B, w, head):
    """The first two liberties of a chain (-1 where missing)."""
    a = -1
    b = -1
    x = head
    while True:
        for nb in (x - w, x - 1, x + 1, x + w):
            if B[COLOR, nb] == EMPTY and nb != a and nb != b:
                if a < 0:
                    a = nb
                else:
                    b = nb
                    return a, b
        x = B[NEXT, x]
        if x == head:
            break
    return a, b


@kernel
def _single_lib(B, w, head):
    a, _ = _chain_libs2(B, w, head)
    return a


@kernel
def _ladder_candidates(B, meta, stone, defender_to_move, row):
    """Moves to try at one node into ``row``; returns how many. The defender extends at
    its liberty or captures an adjacent attacker chain in atari; the attacker takes
    either of the two liberties."""
    w = meta[M_SIZE] + 2
    head = B[HEAD, stone]
    if not defender_to_move:
        a, b = _chain_libs2(B, w, head)
        row[0] = a
        row[1] = b
        return 2
    attacker = 3 - B[COLOR, stone]
    row[0] = _single_lib(B, w, head)
    k = 1
    x = head
    while True:
        for nb in (x - w, x - 1, x + 1, x + w):
            if k < row.shape[0] and B[COLOR, nb] == attacker and B[LIBS, B[HEAD, nb]] == 1:
                row[k] = _single_lib(B, w, B[HEAD, nb])
                k += 1
        x = B[NEXT, x]
        if x == head:
            break
    return k


NCAND = 16  # candidate moves a node of the reading keeps (row width of the stack)


@kernel
def read_ladder(B, meta, zob, stone, defender_to_move, recs, stack):
    """Is the chain through ``stone`` caught in a ladder? It has one liberty when the
    defender is to move, two when the attacker is. Reads an AND-OR tree depth first with
    an explicit stack (Numba's cache cannot hold recursive functions); ``recs`` holds one
    undo record per ply and bounds the depth: a longer ladder is taken to fail. ``stack``
    (``new_ladder_stack``) is scratch: a kernel allocates nothing, so the rollouts can
    read ladders too."""
    maxd = min(recs.shape[0], stack.shape[0])
    cands = stack[:, :NCAND]
    ncand = stack[:, NCAND]
    nexti = stack[:, NCAND + 1]
    defender = B[COLOR, stone]
    attacker = 3 - defender
    d = 0
    is_def = defender_to_move
    ncand[0] = _ladder_candidates(B, meta, stone, is_def, cands[0])
    nexti[0] = 0
    child_value = False
    returning = False
    while True:
        is_def = (d % 2 == 0) == defender_to_move
        value = -1  # -1: undecided; 0: not captured; 1: captured
        if returning:
            returning = False
            undo(B, meta, zob, recs[d])
            if is_def and not child_value:
                value = 0  # the attacker found no capture after this defence
            elif not is_def and child_value:
                value = 1  # the defender could not escape after this attack
        pushed = False
        while value < 0 and nexti[d] < ncand[d]:
            m = cands[d, nexti[d]]
            nexti[d] += 1
            mover = defender if is_def else attacker
            if m <= 0 or not is_legal(B, meta, m, mover):
                continue
            play(B, meta, zob, m, mover, recs[d])
            libs = B[LIBS, B[HEAD, stone]]
            if is_def:
                if libs >= 3 or (libs == 2 and d + 1 >= maxd):
                    value = 0
                elif libs == 2:
                    pushed = True
                    break
            elif libs == 1 and d + 1 < maxd:
                pushed = True
                break
            undo(B, meta, zob, recs[d])
        if pushed:
            d += 1
            ncand[d] = _ladder_candidates(B, meta, stone, not is_def, cands[d])
            nexti[d] = 0
            continue
        if value < 0:  # candidates exhausted
            value = 1 if is_def else 0
        if d == 0:
            return value == 1
        d -= 1
        child_value = value == 1
        returning = True


@njit(cache=True)
def ladder_captured(B, meta, zob, stone, defender_to_move, recs):
    """``read_ladder`` with its own scratch stack."""
    return read_ladder(B, meta, zob, stone, defender_to_move, recs,
                       np.zeros((recs.shape[0], NCAND + 2), np.int64))


def new_ladder_records(size: int) -> np.ndarray:
    return np.zeros((LADDER_DEPTH, new_record(size).shape[0]), np.int32)


def new_ladder_stack() -> np.ndarray:
    return np.zeros((LADDER_DEPTH, NCAND + 2), np.int64)


@inline_kernel
def escape_fails(B, meta, zob, q, pla, recs, stack):
    """Is ``pla`` at ``q`` an escape of an own chain in atari that stays in a working
    ladder? Only a move that captures nothing and leaves the joined chain two liberties
    is read (three or more: out of the ladder; one: a self-atari, which is the rollout
    features' business). ``B`` is left as it was; ``recs`` and ``stack`` are scratch
    (``recs`` without rows: nothing is read, the escape never fails)."""
    if recs.shape[0] == 0:
        return False
    w = meta[M_SIZE] + 2
    in_atari = False
    for nb in (q - w, q - 1, q + 1, q + w):
        c = B[COLOR, nb]
        if c == pla and B[LIBS, B[HEAD, nb]] == 1:
            in_atari = True
        elif c == 3 - pla and B[LIBS, B[HEAD, nb]] == 1:
            return False  # it captures: another story than a ladder
    if not in_atari:
        return False
    play(B, meta, zob, q, pla, recs[0])
    caught = False
    if recs[0][R_NCAP] == 0 and B[LIBS, B[HEAD, q]] == 2:
        caught = read_ladder(B, meta, zob, q, False, recs[1:], stack)
    undo(B, meta, zob, recs[0])
    return caught


__all__ = ["LADDER_DEPTH", "ladder_captured", "read_ladder", "escape_fails",
           "new_ladder_records", "new_ladder_stack"]
