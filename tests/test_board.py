"""Board kernels: captures, liberties, suicide, ko, hashing, undo, and a from-scratch
consistency check after every move of many random games."""
import numpy as np
import pytest

from tengen.engine.board import (BLACK, EMPTY, PASS, WHITE, Board, M_HASH, check_consistency,
                                 is_playable, new_board_arrays)
from tengen.engine.coords import gtp_to_loc
from tengen.engine.game import from_ascii
from tengen.engine.playout import new_rng, random_move


def v(vertex, size):
    return gtp_to_loc(vertex, size)


def test_single_stone_capture_and_liberties():
    g = from_ascii("""
        . . . . .
        . . X . .
        . X O X .
        . . . . .
        . . . . .
    """)
    b = g.board
    assert b.libs(v("C3", 5)) == 1
    assert b.libs(v("B3", 5)) == 3
    assert b.is_legal(v("C2", 5), BLACK)
    assert b.play(v("C2", 5), BLACK) == 1
    assert b.color(v("C3", 5)) == EMPTY
    assert b.libs(v("C2", 5)) == 4  # gained the captured point
    assert b.check_consistency() == 0


def test_large_group_capture_in_corner():
    g = from_ascii("""
        O O O O X .
        O O O O X .
        O O O O X .
        O O O O X .
        X X X . . .
        . . . . . .
    """)
    b = g.board
    white = v("A6", 6)
    assert b.libs(white) == 1
    assert b.play(v("D2", 6), BLACK) == 16
    assert b.libs(v("E6", 6)) == 9  # F6-F3, E2, and D6-D3 freed by the capture
    assert b.libs(v("A2", 6)) == 9  # A3-D3 freed, A1-D1, E2
    assert b.check_consistency() == 0
    b.undo()
    assert b.libs(white) == 1 and b.color(white) == WHITE
    assert b.check_consistency() == 0


def test_single_stone_suicide_illegal_for_one_colour_only():
    g = from_ascii("""
        . X . .
        X . . .
        . . . .
        . . . .
    """)
    b = g.board
    assert not b.is_legal(v("A4", 4), WHITE)  # no liberty, captures nothing
    assert b.is_legal(v("A4", 4), BLACK)  # connects to chains that keep liberties
    assert not b.is_legal(v("A3", 4), WHITE)  # occupied
    assert not b.is_legal(v("B4", 4), BLACK)


def test_suicide_multi_stone():
    g = from_ascii("""
        . O X .
        O O X .
        X X . .
        . . . .
    """)
    b = g.board
    # white at A4 would leave the white chain with no liberty: suicide
    assert not b.is_legal(v("A4", 4), WHITE)
    # black at A4 captures the three white stones
    assert b.is_legal(v("A4", 4), BLACK)
    assert b.play(v("A4", 4), BLACK) == 3
    assert b.check_consistency() == 0


KO = """
    . X O .
    X O . O
    . X O .
    . . . .
"""


def test_ko_capture_and_immediate_recapture_forbidden():
    g = from_ascii(KO)
    b = g.board
    assert b.play(v("C3", 4), BLACK) == 1  # captures B3
    assert b.ko == v("B3", 4)
    assert not b.is_legal(v("B3", 4), WHITE)  # immediate recapture: ko
    assert b.is_legal(v("B3", 4), BLACK)  # the ko binds only the side to recapture
    b.play(v("A1", 4), WHITE)  # a ko threat elsewhere lifts the ko
    assert b.ko == PASS
    b.play(v("D1", 4), BLACK)
    assert b.is_legal(v("B3", 4), WHITE)
    assert b.play(v("B3", 4), WHITE) == 1
    assert b.check_consistency() == 0


def test_ko_round_trip_restores_hash():
    g = from_ascii(KO)
    b = g.board
    h0 = b.hash
    b.play(v("C3", 4), BLACK)
    h1 = b.hash
    assert h1 != h0
    b.undo()
    assert b.hash == h0 and b.ko == PASS and b.check_consistency() == 0
    b.play(v("C3", 4), BLACK)
    assert b.hash == h1 and b.ko == v("B3", 4)


def test_capturing_two_stones_is_not_ko():
    g = from_ascii("""
        . O O .
        O X X .
        . O O .
        . . . .
    """)
    b = g.board
    assert b.play(v("D3", 4), WHITE) == 2
    assert b.ko == PASS
    assert b.is_legal(v("B3", 4), BLACK)


def test_capture_with_no_empty_neighbour_is_not_suicide():
    g = from_ascii("""
        . O X .
        O X . .
        X . . .
        . . . .
    """)
    b = g.board
    assert b.libs(v("B4", 4)) == 1 and b.libs(v("A3", 4)) == 1  # both only A4
    assert not b.is_legal(v("A4", 4), WHITE)  # joins them with no liberty left
    assert b.is_legal(v("A4", 4), BLACK)  # no empty neighbour, but it captures
    assert b.play(v("A4", 4), BLACK) == 2
    assert b.ko == PASS  # two stones captured: not a ko
    assert b.check_consistency() == 0


def test_hash_after_matches_play():
    rng = new_rng(7)
    b = Board(9)
    pla = BLACK
    for _ in range(200):
        loc = random_move(b.B, b.meta, pla, rng)
        predicted = b.hash_after(loc, pla)
        b.play(loc, pla)
        assert b.hash == predicted
        pla = 3 - pla


def test_hash_is_position_only():
    a, b = Board(9), Board(9)
    for loc, pla in ((v("C3", 9), BLACK), (v("D4", 9), WHITE), (v("E5", 9), BLACK)):
        a.play(loc, pla)
    for loc, pla in ((v("E5", 9), BLACK), (v("D4", 9), WHITE), (v("C3", 9), BLACK)):
        b.play(loc, pla)
    assert a.hash == b.hash and a.hash != Board(9).hash


@pytest.mark.parametrize("size", [2, 3, 5, 9, 13, 19, 25])
def test_random_games_consistent_after_every_move_and_undo(size):
    """Random games (captures of large groups included: no eye rule for one side).
    After every move: incremental state == recomputed; undo restores exactly."""
    rng = new_rng(size)
    games = 6 if size <= 13 else 2
    big_capture = 0
    for game in range(games):
        b = Board(size)
        pla = BLACK
        passes = moves = 0
        while passes < 2 and moves < 3 * size * size:
            loc = random_move(b.B, b.meta, pla, rng)
            before = (b.B.copy(), b.meta.copy())
            captured = b.play(loc, pla)
            big_capture = max(big_capture, captured)
            assert b.check_consistency() == 0, (size, game, moves)
            after = (b.B[[0, 1, 2, 3, 4]].copy(), b.meta[:6].copy())
            b.undo()
            assert check_consistency(b.B, b.meta, b.zob) == 0
            assert (b.B[0] == before[0][0]).all() and b.meta[M_HASH] == before[1][M_HASH]
            assert (b.meta[:3] == before[1][:3]).all()  # size, ko point, ko player
            b.play(loc, pla)
            assert (b.B[0] == after[0][0]).all()
            passes = passes + 1 if loc == PASS else 0
            pla = 3 - pla
            moves += 1
    if size >= 9:
        assert big_capture >= 5  # the games did capture big groups


@pytest.mark.parametrize("size", [5, 9, 19])
def test_playable_is_legal_and_not_own_eye(size):
    """The fused check the playouts use answers what the two checks answer, at every
    point of random games for both colours (ko points, suicides, real and false eyes)."""
    rng = new_rng(100 + size)
    seen = {"ko": 0, "suicide": 0, "eye": 0, "false_eye_filled": 0}
    for game in range(8):
        b = Board(size)
        pla = BLACK
        passes = moves = 0
        while passes < 2 and moves < 3 * size * size:
            for loc in range(b.B.shape[1]):
                if b.color(loc) == 3:  # off the board (and PASS, which is legal)
                    continue
                for who in (BLACK, WHITE):
                    legal, eye = b.is_legal(loc, who), b.is_own_eye(loc, who)
                    got = bool(is_playable(b.B, b.meta, loc, who))
                    assert got == (legal and not eye), (size, game, moves, loc, who)
                    if b.color(loc) == EMPTY and not legal:
                        seen["ko" if loc == b.ko else "suicide"] += 1
                    if legal and b.color(loc) == EMPTY:
                        around = [b.color(loc + d) for d in (-1, 1, -(size + 2), size + 2)]
                        if all(c in (who, 3) for c in around):
                            seen["eye" if eye else "false_eye_filled"] += 1
            loc = random_move(b.B, b.meta, pla, rng)
            b.play(loc, pla)
            passes = passes + 1 if loc == PASS else 0
            pla = 3 - pla
            moves += 1
    assert min(seen.values()) > 0, seen  # every case was met


def test_undo_deep_stack_back_to_empty():
    rng = new_rng(11)
    b = Board(13)
    empty = (b.B[0].copy(), b.hash)
    pla = BLACK
    for _ in range(300):
        b.play(random_move(b.B, b.meta, pla, rng), pla)
        pla = 3 - pla
    for _ in range(300):
        b.undo()
        assert b.check_consistency() == 0
    assert (b.B[0] == empty[0]).all() and b.hash == empty[1]
    with pytest.raises(IndexError):
        b.undo()


def test_consistency_check_detects_corruption():
    b = Board(9)
    b.play(v("E5", 9), BLACK)
    b.B[3, b.B[1, v("E5", 9)]] += 1  # liberties
    assert b.check_consistency() == 3
    b = Board(9)
    b.play(v("E5", 9), BLACK)
    b.meta[M_HASH] ^= 1
    assert b.check_consistency() == 5


@pytest.mark.parametrize("size", [1, 26])
def test_sizes_out_of_range(size):
    with pytest.raises(ValueError):
        new_board_arrays(size)


def test_area_score_tromp_taylor():
    g = from_ascii("""
        . X O .
        . X O .
        X X O O
        . X X O
    """, komi=0)
    # black: 6 stones + 3 territory (A4 A3, A1); white: 5 stones + 2 territory (D4 D3)
    assert g.board.area_score() == 9 - 7
    owner = g.board.area_owner()
    assert owner[v("A4", 4)] == BLACK and owner[v("D4", 4)] == WHITE
    # a region touching both colours is dame
    g2 = from_ascii("""
        X . O
        . . .
        . . .
    """, komi=0)
    assert g2.board.area_score() == 0
    assert int(np.count_nonzero(g2.board.area_owner())) == 2
