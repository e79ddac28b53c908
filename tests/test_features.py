"""The 48 AlphaGo planes (+ colour), group by group, on ASCII diagrams; ladders against a
separately written reader; the shard path (packed rows) against the direct one."""
import numpy as np
import pytest

from ladder_oracle import ladder_planes
from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import all_locs, from_loc, gtp_to_loc
from tengen.engine.game import GameState, from_ascii
from tengen.engine.playout import new_rng, random_move
from tengen.nets.features import NUM_PLANES, batch_planes, pack_position, state_planes

LADDER = """
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . X . . . . .
    . . X O . . . . .
    . . . . X . . . .
    . . . . . . . . .
    . . . . . . . . .
"""


def plane_points(p, k, size):
    return {f"{'ABCDEFGHJKLMNOPQRST'[c]}{size - r}" for r, c in np.argwhere(p[k])}


def at(p, k, vertex, size):
    r, c = from_loc(gtp_to_loc(vertex, size), size)
    return int(p[k, r, c])


def test_colour_ones_zeros_and_colour_to_play():
    g = from_ascii(LADDER, to_play=WHITE)
    p = state_planes(g)
    assert p.shape == (NUM_PLANES, 9, 9)
    assert plane_points(p, 0, 9) == {"D4"}  # own = white to play
    assert plane_points(p, 1, 9) == {"D5", "C4", "E3"}
    assert p[2].sum() == 81 - 4 and p[3].all() and not p[47].any()
    assert not p[48].any()  # white to play
    assert state_planes(from_ascii(LADDER, to_play=BLACK))[48].all()


def test_turns_since_and_liberties():
    g = GameState(9)
    for v in ["E5", "E4", "D5", "pass", "C5"]:
        g.play(gtp_to_loc(v, 9))
    p = state_planes(g)
    assert at(p, 4, "C5", 9) == 1  # played 1 turn ago
    assert at(p, 4 + 2, "D5", 9) == 1  # 3 turns ago
    assert at(p, 4 + 3, "E4", 9) == 1  # 4 turns ago
    assert at(p, 4 + 4, "E5", 9) == 1
    assert p[4:12].sum() == 4  # one age plane per stone
    # liberties: the black chain C5-D5-E5 has 7, white E4 has 3
    assert at(p, 12 + 6, "D5", 9) == 1 and at(p, 12 + 2, "E4", 9) == 1
    g2 = GameState(9)
    for v in ["A1", "pass"] * 10:
        g2.play(gtp_to_loc(v, 9)) if v != "A1" or g2.board.color(gtp_to_loc("A1", 9)) == 0 \
            else g2.play(PASS)
    assert at(state_planes(g2), 4 + 7, "A1", 9) == 1  # >= 8 turns


def test_capture_self_atari_and_liberties_after_move():
    g = from_ascii("""
        . O X O .
        O X X . .
        . O O . .
        . . . . .
        . . . . .
    """, to_play=WHITE)
    p = state_planes(g)
    # white D4 captures the three black stones: capture size 3
    assert at(p, 20 + 3, "D4", 5) == 1 and p[20:28, 1, 3].sum() == 1  # D4: row 1, col 3
    # white A5 would capture nothing and be in atari? A5: next to B5 (O) and A4 (O),
    # chain A5-B5-A4 then has liberties A3 only -> self-atari of 3 stones
    assert at(p, 28 + 2, "A5", 5) == 1
    assert at(p, 36 + 0, "A5", 5) == 1  # one liberty after the move
    # an ordinary point: no capture (plane 20 = 0 captured), 4 liberties
    assert at(p, 20, "D1", 5) == 1 and at(p, 36 + 2, "E2", 5) == 1  # edge: 3
    assert at(p, 36 + 2, "E1", 5) == 0 and at(p, 36 + 1, "E1", 5) == 1  # corner: 2


def test_sensible_excludes_own_eyes_and_illegal_points():
    g = from_ascii("""
        . X . X .
        X X X X X
        . . . . .
        . . . . .
        O . . . .
    """, to_play=BLACK)
    p = state_planes(g)
    assert at(p, 46, "A5", 5) == 0 and at(p, 46, "C5", 5) == 0  # own eyes
    assert at(p, 46, "C2", 5) == 1
    white = state_planes(from_ascii("""
        . X . X .
        X X X X X
        . . . . .
        . . . . .
        O . . . .
    """, to_play=WHITE))
    assert at(white, 46, "A5", 5) == 0  # suicide for white: not legal
    assert white[20:47, 0, 0].sum() == 0  # move planes empty on illegal points


def test_ladder_capture_with_and_without_breaker():
    p = state_planes(from_ascii(LADDER, to_play=BLACK))
    assert plane_points(p, 44, 9) == {"E4", "D3"}
    rows = [line.split() for line in LADDER.strip().splitlines()]
    rows[7][1] = "O"  # a white stone on B2 breaks the ladder down-left
    p = state_planes(from_ascii("\n".join(" ".join(r) for r in rows), to_play=BLACK))
    assert plane_points(p, 44, 9) == {"D3"}  # the ladder up-right still works


def test_ladder_escape_with_and_without_breaker():
    rows = [line.split() for line in LADDER.strip().splitlines()]
    rows[5][4] = "X"  # black E4: white D4 is in atari, its only liberty D3
    diagram = "\n".join(" ".join(r) for r in rows)
    p = state_planes(from_ascii(diagram, to_play=WHITE))
    assert at(p, 45, "D3", 9) == 0  # running leads into a working ladder
    rows[7][1] = "O"  # breaker on B2
    p = state_planes(from_ascii("\n".join(" ".join(r) for r in rows), to_play=WHITE))
    assert at(p, 45, "D3", 9) == 1


@pytest.mark.parametrize("size, seed", [(9, 1), (9, 2), (13, 3), (19, 4)])
def test_ladders_agree_with_the_plain_reader_on_random_positions(size, seed):
    rng = new_rng(seed)
    g = GameState(size, superko=False)
    checked = found = 0
    for move in range(size * size * 2):
        if g.is_over():
            break
        g.play(random_move(g.board.B, g.board.meta, g.to_play, rng))
        if move % 7 == 3:
            p = state_planes(g)
            cap, esc = ladder_planes(g)
            ours_cap = {loc for loc in all_locs(size) if p[44][from_loc(loc, size)]}
            ours_esc = {loc for loc in all_locs(size) if p[45][from_loc(loc, size)]}
            assert ours_cap == cap and ours_esc == esc, (move, str(g))
            checked += 1
            found += len(cap) + len(esc)
    assert checked >= 5 and found > 0


def test_packed_rows_give_the_same_planes():
    rng = new_rng(8)
    g = GameState(19)
    rows, kos, kopl, plas, direct = [], [], [], [], []
    for move in range(220):
        g.play(random_move(g.board.B, g.board.meta, g.to_play, rng))
        if move % 20 == 5:
            packed, ko, ko_pla = pack_position(g)
            rows.append(packed)
            kos.append(ko)
            kopl.append(ko_pla)
            plas.append(g.to_play)
            direct.append(state_planes(g))
    out = np.zeros((len(rows), NUM_PLANES, 19, 19), np.uint8)
    batch_planes(19, g.board.zob, np.stack(rows), np.array(kos), np.array(kopl),
                 np.array(plas), out)
    for i, d in enumerate(direct):
        assert np.array_equal(out[i], d), i
