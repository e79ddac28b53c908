"""Second opinion from GNU Go 3.8 (never mocked): legality of every probed point in random
games, and the area count of finished random playouts."""
import random
from collections import Counter

import pytest

from tengen.engine.board import BLACK, Board, new_record
from tengen.engine.coords import loc_to_gtp
from tengen.engine.game import GameState, board_is_legal
from tengen.engine.playout import new_rng, random_move, random_playout
from tengen.engine.sgf import game_to_sgf, result_margin
from tengen.match.gtp_client import GtpClient

pytestmark = pytest.mark.slow


def _color(pla):
    return "b" if pla == BLACK else "w"


def _random_game_vs_gnugo(gg, size, seed, probes_per_move, tally):
    """Play a random playout move by move in both engines, probing legality."""
    gg.send(f"boardsize {size}")
    gg.send("clear_board")
    gg.send("komi 7.5")
    g = GameState(size, 7.5, superko=False)  # GNU Go's is_legal applies simple ko
    rng = new_rng(seed)
    pick = random.Random(seed)
    while not g.is_over() and len(g.moves) < 3 * size * size:
        pla = g.to_play
        empties = g.board.empties().tolist()
        probes = empties if probes_per_move is None else pick.sample(
            empties, min(probes_per_move, len(empties)))
        # always probe the points that are illegal for us: ko and suicide are the test
        probes = set(probes) | {p for p in empties if not board_is_legal(g, p, pla)}
        for loc in sorted(probes):
            ours = board_is_legal(g, loc, pla)
            theirs = gg.send(f"is_legal {_color(pla)} {loc_to_gtp(loc, size)}") == "1"
            assert ours == theirs, (size, seed, len(g.moves), loc_to_gtp(loc, size), str(g))
            tally["probes"] += 1
            if not ours:
                tally[g.illegal_reason(loc, pla)] += 1
        loc = random_move(g.board.B, g.board.meta, pla, rng)
        g.play(loc, pla)
        gg.send(f"play {_color(pla)} {loc_to_gtp(loc, size)}")
    return g


@pytest.mark.parametrize("size, games, probes", [(9, 16, None), (13, 4, 12), (19, 2, 8)])
def test_legality_and_score_agree_with_gnugo(gnugo_cmd, size, games, probes):
    tally = Counter()
    scores = []
    with GtpClient(gnugo_cmd) as gg:
        for seed in range(games):
            g = _random_game_vs_gnugo(gg, size, 1000 * size + seed, probes, tally)
            ours, theirs = g.result_string(), gg.send("final_score", timeout=120)
            scores.append((ours, theirs))
    print(f"\n{size}x{size}: {dict(tally)}; scores {scores}")
    assert all(ours == theirs for ours, theirs in scores), scores
    assert tally["ko"] > 0 and tally["suicide"] > 0  # the cases that matter were probed
    assert tally["probes"] > 1000


def test_playout_kernel_scores_agree_with_gnugo(gnugo_cmd, tmp_path):
    """Final positions of the Numba playout kernel, loaded into GNU Go as SGF setups."""
    rng = new_rng(99)
    agree = 0
    with GtpClient(gnugo_cmd) as gg:
        for i, size in enumerate([9] * 12 + [13] * 4 + [19] * 2):
            b = Board(size)
            score, moves = random_playout(b.B, b.meta, b.zob, BLACK, 0, 3 * size * size,
                                          rng, new_record(size))
            assert score == b.area_score()
            g = GameState(size, 7.5)
            colors = b.colors()
            for pla in (1, 2):
                g.place_setup(pla, [(r + 1) * (size + 2) + c + 1
                                    for r in range(size) for c in range(size)
                                    if colors[r, c] == pla])
            # a finished playout: neither side has a legal move outside its own eyes
            assert not g.sensible_moves(1) and not g.sensible_moves(2)
            path = tmp_path / f"playout{i}.sgf"
            path.write_bytes(game_to_sgf(g))
            gg.send(f"loadsgf {path}")
            theirs = gg.send("final_score", timeout=120)
            assert g.result_string() == theirs, (size, str(g))
            agree += 1
    assert agree == 18


def test_gnugo_scores_our_sgf_fixtures_like_us(gnugo_cmd):
    """Our SGF writer's output, read back by GNU Go: same position, same count."""
    from pathlib import Path
    from tengen.engine.sgf import read_sgf
    counted = 0
    with GtpClient(gnugo_cmd) as gg:
        for path in sorted((Path(__file__).parent.parent / "sgf_data").glob("*.sgf")):
            g = read_sgf(path).to_game_state()
            gg.send(f"loadsgf {path}")
            # GNU Go estimates territory in unsettled positions: count settled ones only
            if not g.sensible_moves(1) and not g.sensible_moves(2):
                theirs = gg.send("final_score", timeout=120)
                assert result_margin(theirs) == g.area_score(), path.name
                counted += 1
            for loc in g.board.empties().tolist()[:40]:
                pla = g.to_play
                ours = board_is_legal(g, loc, pla)
                assert (gg.send(f"is_legal {_color(pla)} {loc_to_gtp(loc, g.size)}") == "1") == ours
    assert counted >= 1
