"""Reading and writing game records, and typed errors for malformed ones."""
import pytest

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import gtp_to_loc
from tengen.engine.game import GameState
from tengen.engine.sgf import (SgfContentError, SgfIllegalMove, SgfParseError, SgfSizeError,
                               game_to_sgf, parse_sgf)

RECORD = rb"""(;FF[4]GM[1]SZ[9]KM[0.5]HA[2]RU[Japanese]PB[black \] player]PW[white]RE[W+3.5]
AB[cc][gg]PL[W]
;W[ee]C[a comment with \] an escaped bracket];B[]
;W[tt];B[dd])"""


def test_parse_all_properties():
    rec = parse_sgf(RECORD)
    assert (rec.size, rec.komi, rec.handicap) == (9, 0.5, 2)
    assert rec.setup_black == sorted([gtp_to_loc("C7", 9), gtp_to_loc("G3", 9)])
    assert rec.first_player == WHITE and rec.result == "W+3.5" and rec.winner() == WHITE
    assert rec.black_name == "black ] player" and rec.rules == "Japanese"
    assert [(m.pla, m.loc) for m in rec.moves] == [
        (WHITE, gtp_to_loc("E5", 9)), (BLACK, PASS), (WHITE, PASS),
        (BLACK, gtp_to_loc("D6", 9))]
    assert rec.comments[0] == "a comment with ] an escaped bracket"
    g = rec.to_game_state()
    assert g.board.color(gtp_to_loc("D6", 9)) == BLACK and len(g.moves) == 4
    assert rec.to_game_state(upto=1).to_play == BLACK


def test_handicap_without_pl_gives_white_the_move():
    rec = parse_sgf(b"(;SZ[19]HA[2]AB[dd][pp];W[dp])")
    g = rec.to_game_state(upto=0)
    assert g.to_play == WHITE
    assert rec.to_game_state().board.color(gtp_to_loc("D4", 19)) == WHITE


def test_write_then_read_round_trip():
    g = GameState(13, komi=6.5)
    g.place_setup(BLACK, [gtp_to_loc("D4", 13), gtp_to_loc("K10", 13)], handicap=True)
    g.to_play = WHITE
    for vtx in ("C3", "D3", "pass", "K4"):
        g.play(gtp_to_loc(vtx, 13))
    data = game_to_sgf(g, result="B+R", black="tengen", white="GNU Go",
                       comments=["1.2s", None, "0.5s", None])
    rec = parse_sgf(data)
    assert rec.size == 13 and rec.komi == 6.5 and rec.handicap == 2
    assert rec.result == "B+R" and rec.black_name == "tengen" and rec.white_name == "GNU Go"
    assert rec.rules == "Chinese"
    assert [(m.pla, m.loc) for m in rec.moves] == [(m.pla, m.loc) for m in g.moves]
    assert rec.comments == ["1.2s", None, "0.5s", None]
    again = rec.to_game_state()
    assert (again.colors() == g.colors()).all()


@pytest.mark.parametrize("data, error", [
    (b"(;FF[4]SZ[9];B[ee", SgfParseError),  # truncated
    (b"this is not sgf", SgfParseError),
    (b"", SgfParseError),
    (b"(;FF[4]SZ[9];B[ee];W[ee])", SgfIllegalMove),  # occupied
    (b"(;FF[4]SZ[9]KM[abc];B[ee])", SgfContentError),
    (b"(;FF[4]SZ[9];B[zz])", SgfContentError),  # off the board
    (b"(;FF[4]SZ[26];B[aa])", SgfSizeError),
    (b"(;FF[4]SZ[9]AB[aa]AW[ab][ba])", SgfContentError),  # black stone with no liberty
])
def test_malformed_records_raise_typed_errors(data, error):
    with pytest.raises(error):
        parse_sgf(data).to_game_state()


def test_illegal_move_reports_number_and_reason():
    with pytest.raises(SgfIllegalMove) as e:
        parse_sgf(b"(;SZ[9];B[ee];W[dd];B[dd])").to_game_state()
    assert e.value.move_number == 3 and e.value.reason == "occupied"


def test_project_fixtures_replay(tmp_path):
    from pathlib import Path
    from tengen.engine.sgf import read_sgf
    fixtures = sorted((Path(__file__).parent.parent / "sgf_data").glob("*.sgf"))
    assert len(fixtures) >= 3
    for path in fixtures:
        rec = read_sgf(path)
        g = rec.to_game_state()
        assert len(g.moves) == len(rec.moves) > 0
        if rec.result:
            assert g.is_over() and g.result_string() == rec.result


@pytest.mark.parametrize("text, margin", [("B+3.5", 3.5), ("W+4.0", -4.0), ("0", 0.0),
                                          ("B+R", None), ("W+Time", None), (None, None)])
def test_result_margin(text, margin):
    from tengen.engine.sgf import result_margin
    assert result_margin(text) == margin


def test_results_decided_on_the_board():
    decided = {"B+R": BLACK, "W+Resign": WHITE, "B+3.5": BLACK, "W+0.5": WHITE,
               "B+T": None, "W+Time": None, "B+F": None, "W+Forfeit": None, "Void": None}
    for result, winner in decided.items():
        rec = parse_sgf(f"(;GM[1]SZ[19]RE[{result}];B[aa])".encode())
        assert rec.winner(on_board=True) == winner, result
        assert rec.winner() == (winner or {"B": BLACK, "W": WHITE}.get(result[0])), result
