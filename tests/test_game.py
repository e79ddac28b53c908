"""GameState: superko, passes, undo, setup stones, scoring."""
import pytest

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import gtp_to_loc
from tengen.engine.game import GameState, IllegalMove, from_ascii

KO = """
    . X O .
    X O . O
    . X O .
    . . . .
"""


def v(vertex, size=4):
    return gtp_to_loc(vertex, size)


def test_positional_superko_forbids_retaking_after_passes():
    g = from_ascii(KO)
    g.play(v("C3"), BLACK)  # takes the ko
    assert g.illegal_reason(v("B3"), WHITE) == "ko"
    g.play(PASS, WHITE)
    g.play(PASS, BLACK)  # passes lift simple ko...
    assert g.board.is_legal(v("B3"), WHITE)
    # ...but retaking would recreate the position before black took: positional superko
    assert g.illegal_reason(v("B3"), WHITE) == "superko"
    with pytest.raises(IllegalMove) as e:
        g.play(v("B3"), WHITE)
    assert e.value.reason == "superko"
    relaxed = from_ascii(KO)
    relaxed.superko = False
    relaxed.play(v("C3"), BLACK)
    relaxed.play(PASS, WHITE)
    relaxed.play(PASS, BLACK)
    relaxed.play(v("B3"), WHITE)


def test_illegal_reasons():
    g = from_ascii("""
        . X . .
        X . . .
        . . . .
        . . . .
    """)
    assert g.illegal_reason(v("A3"), WHITE) == "occupied"
    assert g.illegal_reason(v("A4"), WHITE) == "suicide"
    assert g.illegal_reason(v("A4"), BLACK) is None
    assert g.illegal_reason(PASS, WHITE) is None


def test_passes_end_the_game_and_undo_restores_them():
    g = GameState(9)
    g.play(v("E5", 9))
    g.play(PASS)
    assert not g.is_over() and g.passes == 1
    g.play(PASS)
    assert g.is_over() and g.to_play == WHITE
    g.undo()
    assert not g.is_over() and g.passes == 1 and g.to_play == BLACK
    g.undo()
    assert g.passes == 0 and g.to_play == WHITE
    g.undo()
    assert g.is_empty() and g.to_play == BLACK
    with pytest.raises(IndexError):
        g.undo()


def test_undo_restores_superko_history():
    g = from_ascii(KO)
    g.play(v("C3"), BLACK)
    g.undo()
    # the position after C3 is no longer in the history: playing it again is fine
    g.play(v("C3"), BLACK)
    assert g.board.check_consistency() == 0


def test_handicap_setup_and_score_with_komi():
    g = GameState(9, komi=0.5)
    g.place_setup(BLACK, [v("C3", 9), v("G7", 9)], handicap=True)
    g.to_play = WHITE
    assert g.handicap == [v("C3", 9), v("G7", 9)]
    assert g.area_score() == 81 - 0.5  # black's stones reach every empty point
    assert g.result_string() == "B+80.5"
    g.play(v("E5", 9))
    assert g.area_score() == 2 - 1 - 0.5  # everything else touches both colours
    assert g.result_string() == "B+0.5"


def test_copy_is_independent():
    g = GameState(9)
    g.play(v("E5", 9))
    c = g.copy()
    c.play(v("D5", 9))
    assert len(g.moves) == 1 and len(c.moves) == 2
    assert g.board.color(v("D5", 9)) == 0 and c.board.color(v("D5", 9)) == WHITE
    g.undo()
    assert c.board.check_consistency() == 0 and len(c.moves) == 2
