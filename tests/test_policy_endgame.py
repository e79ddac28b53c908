"""The policy player after the opponent has passed: it plays on only where the count can
still change. The record is a real arena game (`tengen arena`, the RL policy as black
against GNU Go 10): when GNU Go first passed (move 306) GNU Go itself counted B+1.5, a
point was in doubt for tengen's judge, and tengen went on filling its own area until a
corner died: W+6.5."""
import os
import shutil
from contextlib import closing
from pathlib import Path

import pytest

from tengen.engine.board import BLACK, PASS
from tengen.engine.coords import gtp_to_loc, loc_to_gtp, loc_to_index
from tengen.engine.game import GameState
from tengen.engine.judge.pass_rules import play_on_moves
from tengen.engine.judge.judgment import Judge
from tengen.engine.sgf import read_sgf
from tengen.players.policy import PolicyPlayer
from tengen.match.gtp_client import GtpClient, gnugo_command

RECORD = Path(__file__).resolve().parent / "records" / "rl_policy_lost_a_won_count.sgf"
GNUGO_PASSED = 306  # moves played when GNU Go (white) had just passed for the first time


def position(moves: int) -> GameState:
    rec = read_sgf(RECORD)
    assert rec.result == "W+6.5"
    g = GameState(rec.size, rec.komi)
    for m in rec.moves[:moves]:
        g.play(m.loc, m.pla)
    return g


def test_playing_on_never_fills_its_own_area():
    g = position(GNUGO_PASSED)
    assert g.moves[-1].loc == PASS and g.to_play == BLACK
    judgment = Judge()(g)
    assert judgment.doubt  # why tengen did not pass
    sensible = g.sensible_moves(BLACK)
    useful = play_on_moves(g, BLACK, judgment, sensible)
    assert useful and set(useful) < set(sensible)
    near = {d + s for d in judgment.doubt for s in (-21, -1, 1, 21)}
    assert not set(useful) & near  # no safe move settles the doubt: the own-area filter
    own = [m for m in sensible if judgment.ownership.reshape(-1)[loc_to_index(m, 19)] > 0.5]
    assert own  # black's area has points it could fill...
    assert not (set(useful) & (set(own) - near))  # ...and none of them is offered
    for m in useful:  # and no self-atari
        g.board.play(m, BLACK)
        assert g.board.libs(m) >= 2, loc_to_gtp(m, 19)
        g.board.undo()


@pytest.mark.slow
def test_the_count_gnugo_gave_when_it_passed_stays_won_against_gnugo():
    """Second opinion: the RL policy (black) plays on from move 306 against GNU Go 10,
    and GNU Go's own final_score is a black win (the record: W+6.5)."""
    if not (os.path.exists("/usr/games/gnugo") or shutil.which("gnugo")):
        pytest.skip("GNU Go is not installed (apt-get install gnugo; .ci/run does it)")
    g = position(GNUGO_PASSED)
    player = PolicyPlayer("rl")
    with GtpClient(gnugo_command(level=10)) as gnugo, closing(player):
        gnugo.send(f"loadsgf {RECORD} {GNUGO_PASSED + 1}")
        gnugo.send("komi 7.5")
        while not g.is_over() and len(g.moves) < GNUGO_PASSED + 200:
            if g.to_play == BLACK:
                loc = player.choose(g, BLACK).loc
                assert loc >= 0, "tengen resigned a won count"
                gnugo.send(f"play b {loc_to_gtp(loc, 19)}")
            else:
                answer = gnugo.send("genmove w", timeout=120).strip().lower()
                assert answer != "resign"
                loc = PASS if answer == "pass" else gtp_to_loc(answer, 19)
            g.play(loc, g.to_play)
        assert g.is_over()
        assert gnugo.send("final_score").startswith("B+")


def test_settling_a_doubtful_group_never_fills_its_two_point_eye():
    """Next to a chain in doubt, a stone in the chain's own two-point eye space turns
    two points into one eye and cannot make a second: never offered. The middle of a
    straight three (the vital point, two eyes) and outside liberties stay offered."""
    from tengen.engine.game import from_ascii
    from tengen.engine.judge.judgment import Judgment
    import numpy as np
    g = from_ascii("""
. . . . . . . . .
. . . . . . . . .
X X X X X . . . .
X . . . X . . . .
X X X X X . . . .
. . . . . . . . .
X X X X . . . . .
X . . X . . . . .
X X X X . . . . .
""", komi=7.5)
    stones = [loc for loc in range(len(g.board.B[0])) if g.board.color(loc) == BLACK]
    judgment = Judgment(9, 7.5, np.zeros((9, 9)), doubt=stones)
    useful = {loc_to_gtp(m, 9) for m in play_on_moves(g, BLACK, judgment,
                                                      g.sensible_moves(BLACK))}
    assert not useful & {"B2", "C2"}  # the two-point eye
    assert "C6" in useful  # the straight three's vital point
    assert {"A4", "E4", "F7"} <= useful  # outside liberties of the doubtful chains
    # a wall chain in atari whose last liberty is in the space: joining may save it
    g = from_ascii("""
. . . . .
X X X O .
X . . X O
X X X O O
. . . O .
""", komi=7.5)
    stones = [loc for loc in range(len(g.board.B[0])) if g.board.color(loc) == BLACK]
    judgment = Judgment(5, 7.5, np.zeros((5, 5)), doubt=stones)
    useful = {loc_to_gtp(m, 5) for m in play_on_moves(g, BLACK, judgment,
                                                      g.sensible_moves(BLACK))}
    assert "C3" in useful  # D3 (one liberty, C3) joins the rest there
