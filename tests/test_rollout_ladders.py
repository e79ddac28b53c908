"""Ladders in the rollouts: an escape that runs into a working ladder is never played out,
read by the same ladder reader as the input planes and checked against the plain one."""
import numpy as np
import pytest

from ladder_oracle import captured
from tengen.engine.board import COLOR, EMPTY, M_HASH, WHITE
from tengen.engine.coords import all_locs, gtp_to_loc
from tengen.engine.game import GameState, from_ascii
from tengen.engine.ladder import escape_fails, new_ladder_records, new_ladder_stack
from tengen.engine.playout import new_rng, random_move
from tengen.engine.rollout.policy import (RolloutPolicy, Workspace, exp_weights, init_state,
                                          load_weights, sample_move)

COLS = "ABCDEFGHJKLMNOPQRST"
# black has just played L9: white K10 is in atari, and running at K9 starts a ladder
# towards the lower left that works on an empty board
ATTACKERS = ["K11", "J10", "L10", "L9"]


def diagram(black, white, size=19):
    rows = [["."] * size for _ in range(size)]
    for vertices, ch in ((black, "X"), (white, "O")):
        for v in vertices:
            rows[size - int(v[1:])][COLS.index(v[0])] = ch
    return "\n".join(" ".join(r) for r in rows)


def ladder_position(breaker=()):
    return from_ascii(diagram(ATTACKERS, ["K10", *breaker]), to_play=WHITE)


def fails(state, vertex):
    b = state.board
    return escape_fails(b.B, b.meta, b.zob, gtp_to_loc(vertex, state.size), state.to_play,
                        new_ladder_records(state.size), new_ladder_stack())


@pytest.mark.parametrize("breaker, expected", [((), True), (("F5",), False),
                                               (("C2",), False), (("N14",), True)])
def test_an_escape_is_read_as_failing_unless_a_stone_breaks_the_ladder(breaker, expected):
    s = ladder_position(breaker)
    colours, key = s.board.B[COLOR].copy(), int(s.board.meta[M_HASH])
    assert fails(s, "K9") is expected  # N14 lies behind the chase: it breaks nothing
    assert not fails(s, "A1")  # no chain in atari next to it
    # the reading plays and takes back on the board itself: it must leave it as it was
    assert np.array_equal(s.board.B[COLOR], colours) and int(s.board.meta[M_HASH]) == key
    assert s.board.check_consistency() == 0


@pytest.mark.parametrize("size, seed", [(9, 1), (13, 2), (19, 3)])
def test_escape_fails_agrees_with_the_plain_reader_on_random_positions(size, seed):
    rng = new_rng(seed)
    g = GameState(size, superko=False)
    w = size + 2
    checked = failing = 0
    for move in range(size * size * 2):
        if g.is_over():
            break
        g.play(random_move(g.board.B, g.board.meta, g.to_play, rng))
        pla, b = g.to_play, g.board
        for q in all_locs(size):
            if b.color(q) != EMPTY or not b.is_legal(q, pla):
                continue
            near = [b.color(nb) for nb in (q - w, q - 1, q + 1, q + w)]
            if pla not in near:
                continue
            h = g.copy()
            h.board.play(q, pla)
            libs_before = {nb: len(_libs(g, nb)) for nb in (q - w, q - 1, q + 1, q + w)
                           if b.color(nb) in (1, 2)}
            in_atari = any(n == 1 and b.color(nb) == pla for nb, n in libs_before.items())
            captures = any(n == 1 and b.color(nb) == 3 - pla for nb, n in libs_before.items())
            after = len(_libs(h, q))
            expected = in_atari and not captures and after == 2 and captured(h, q, False)
            got = escape_fails(b.B, b.meta, b.zob, q, pla, new_ladder_records(size),
                               new_ladder_stack())
            assert got == expected, (move, q, str(g))
            checked += in_atari
            failing += expected
    assert checked >= 10 and failing >= 1


def _libs(g, stone):
    """The liberties of the chain through ``stone``, by flood fill."""
    b, w = g.board, g.size + 2
    colour, chain, libs, todo = b.color(stone), {stone}, set(), [stone]
    while todo:
        x = todo.pop()
        for nb in (x - w, x - 1, x + 1, x + w):
            if b.color(nb) == EMPTY:
                libs.add(nb)
            elif b.color(nb) == colour and nb not in chain:
                chain.add(nb)
                todo.append(nb)
    return libs


@pytest.mark.parametrize("ladders", [True, False])
def test_rollouts_never_run_into_a_working_ladder(ladders):
    """The shipped weights like saving a chain in atari: K9 is drawn often where the
    ladder is broken, never where it works (unless the rollouts were told not to read
    ladders, as ``RolloutPolicy`` is by default)."""
    ew = exp_weights(load_weights()[0])
    draws = {}
    for breaker in ((), ("F5",)):
        s = ladder_position(breaker)
        b = s.board
        ws = RolloutPolicy(ladders=ladders).workspace(19)
        gamma, rowsum, mark, dirty, feats, pts, touched, saved = ws.arrays()
        init_state(b.B, b.meta, ew, gamma, rowsum, feats)
        rng = new_rng(1)
        prev = gtp_to_loc("L9", 19)
        seen = [sample_move(b.B, b.meta, b.zob, ew, WHITE, prev, rng, gamma, rowsum, pts,
                            touched, saved, ws.ladder_recs, ws.ladder_stack)
                for _ in range(2000)]
        draws[breaker] = seen.count(gtp_to_loc("K9", 19))
        fresh = Workspace(19)  # and every weight the draws touched is back as it was
        init_state(b.B, b.meta, ew, fresh.gamma, fresh.rowsum, fresh.feats)
        np.testing.assert_allclose(fresh.gamma, gamma, rtol=1e-6)
    assert draws[("F5",)] > 100, draws
    assert (draws[()] == 0) if ladders else (draws[()] > 100), draws
