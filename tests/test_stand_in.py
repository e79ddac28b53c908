"""A fresh install's first start: a genmove that comes while the search's kernels are
still compiling is answered in its time by the network's own move (the stand-in), and
the position the stand-in rebuilds is the game's."""
import os
import subprocess

import numpy as np
from helpers import tengen_cmd

from tengen.engine.board import PASS
from tengen.engine.coords import gtp_to_loc, locs_to_indices
from tengen.engine.game import GameState
from tengen.players.stand_in import position, rebuild


def test_the_stand_in_rebuilds_the_game_with_its_history():
    g = GameState(9, komi=0.5)
    g.place_setup(1, [gtp_to_loc(v, 9) for v in ("C3", "G7")], handicap=True)
    for v in ("E5", "D5", "E4", "D4", "pass", "E6", "C5", "D6", "D3"):
        g.play(PASS if v == "pass" else gtp_to_loc(v, 9), g.to_play)
    h = rebuild(position(g))
    assert (h.colors() == g.colors()).all() and h.to_play == g.to_play and h.komi == 0.5
    assert h.board.hash == g.board.hash and [m.loc for m in h.moves] == [m.loc for m in g.moves]
    from tengen.nets.features import state_planes
    assert np.array_equal(state_planes(h), state_planes(g))  # history planes too


def test_the_stand_in_moves_for_the_side_asked():
    """After handicap stones white moves first; a genmove may name either colour."""
    g = GameState(19)
    g.place_setup(1, [gtp_to_loc(v, 19) for v in ("D4", "Q16", "D16", "Q4")], handicap=True)
    g.to_play = 2
    assert rebuild(position(g)).to_play == 2
    g.play(gtp_to_loc("K10", 19), 2)
    assert rebuild(position(g)).to_play == 1 and rebuild(position(g, 2)).to_play == 2


def test_a_first_start_plays_the_networks_move_while_it_compiles(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               TENGEN_CACHE_DIR=str(tmp_path / "cache"))  # empty: as after an install
    moves = ["D4", "Q16", "C16", "Q3"]
    script = "".join(f"play {'bw'[k % 2]} {v}\n" for k, v in enumerate(moves))
    proc = subprocess.run(tengen_cmd() + ["gtp", "--move-time", "1"], env=env,
                          input=script + "genmove b\nquit\n", capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = proc.stdout.split("\n\n")[len(moves)].removeprefix("= ").strip()
    assert "the network's own move" in proc.stderr, proc.stderr[-2000:]
    # the move is among the network's three favourite sensible moves here
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.nets.evaluator import SharedEvaluator
    g = GameState(19)
    for k, v in enumerate(moves):
        g.play(gtp_to_loc(v, 19), 1 + k % 2)
    probs, _ = SharedEvaluator(load_checkpoint("sl")[0]).evaluate([g])
    sensible = g.sensible_moves()
    best = np.argsort(-probs[0][locs_to_indices(np.asarray(sensible), 19)])[:3]
    assert gtp_to_loc(answer, 19) in [sensible[i] for i in best], answer
    assert not any("stand_in" in line for line in  # the stand-in's process has ended
                   subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                  text=True).stdout.splitlines()
                   if str(tmp_path) in line or "tengen.players.stand_in" in line)
