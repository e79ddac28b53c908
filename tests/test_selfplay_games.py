"""Self-play games stepped together: every game ends, colours alternate, the count of the
played-out position agrees with GNU Go, records round-trip through SGF and npz."""
import torch

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.game import score_string
from tengen.engine.sgf import read_sgf
from tengen.nets.evaluator import SharedEvaluator
from tengen.nets.model import build_model
from tengen.selfplay.games import GamesConfig, play_games, write_games


def test_batched_games_end_are_counted_and_recorded(tmp_path, gnugo_cmd):
    torch.manual_seed(0)
    learner, opponent = SharedEvaluator(build_model("b1c8")), SharedEvaluator(build_model("b1c8"))
    games = play_games(learner, opponent, GamesConfig(size=7, komi=7.5, games=6, seed=1))
    assert [g.learner for g in games] == [BLACK, WHITE] * 3
    paths = write_games(games, str(tmp_path / "games"))
    from tengen.match.gtp_client import GtpClient
    gg = GtpClient(gnugo_cmd.replace("--level 1", "--level 10"))
    try:
        for g, path in zip(games, paths):
            rec = read_sgf(path)
            assert [(m.pla, m.loc) for m in rec.moves] == [(m.pla, m.loc) for m in g.moves]
            assert rec.result == score_string(g.score)
            assert g.outcome(BLACK) == -g.outcome(WHITE) != 0  # komi 7.5: no draws
            assert g.ended and g.moves[-1].loc == PASS == g.moves[-2].loc
            gg.send(f"loadsgf {path}")
            assert gg.send("final_score") == rec.result  # played out: the exact count
            assert gg.send("final_status_list dead") == ""  # nothing dead left
    finally:
        gg.close()
    learner.close()
    opponent.close()


def test_self_play_against_itself_shares_one_evaluator_and_plays_the_same_games(monkeypatch):
    """``Opponent.learner()``: one evaluator for both sides (int8 quantizes once), and
    the games are those of two separate copies of the network."""
    import tengen.selfplay.workers.local as local_mod
    from tengen.selfplay.workers import Opponent, WorkersConfig
    from tengen.selfplay.workers.local import SelfPlayWorkers
    torch.manual_seed(0)
    model = build_model("b1c8")
    made = []
    real = local_mod.evaluator_for
    monkeypatch.setattr(local_mod, "evaluator_for",
                        lambda m, w: made.append(m) or real(m, w))
    cfg = GamesConfig(size=7, games=4, seed=2)
    same = SelfPlayWorkers(WorkersConfig(1)).play(model, Opponent.learner(), cfg)
    assert len(made) == 1
    apart = SelfPlayWorkers(WorkersConfig(1)).play(model, Opponent.weights_of(model), cfg)
    assert len(made) == 2  # the learner's again; the opponent's is built apart, from its weights
    two = SelfPlayWorkers(WorkersConfig(2))
    try:  # worker processes: the learner stands in for itself there too
        shared = two.play(model, Opponent.learner(), cfg)
    finally:
        two.close()
    for games in (apart, shared):
        assert [[(m.pla, m.loc) for m in g.moves] for g in games] == \
            [[(m.pla, m.loc) for m in g.moves] for g in same]


def test_each_side_draws_at_its_own_temperature():
    """A cold opponent (temperature 0) plays its net's best sensible move every time; the
    learner, sampling at 1 from the same net, does not."""
    import numpy as np

    from tengen.engine.coords import locs_to_indices
    from tengen.engine.game import GameState
    torch.manual_seed(0)
    net = SharedEvaluator(build_model("b1c8"))
    games = play_games(net, net, GamesConfig(size=7, games=4, seed=3, temperature=1.0,
                                             opponent_temperature=0.0))
    best = {True: [], False: []}  # learner's move? -> was it the best sensible one
    for g in games:
        s = GameState(7, 7.5)
        for m in g.moves:
            sensible = np.asarray(s.sensible_moves(m.pla), np.int64)
            if sensible.size:
                probs, _ = net.evaluate([s])
                top = sensible[np.argmax(probs[0][locs_to_indices(sensible, 7)])]
                best[m.pla == g.learner].append(m.loc == top)
            s.play(m.loc, m.pla)
    net.close()
    assert len(best[False]) > 40 and all(best[False])
    assert len(best[True]) > 40 and not all(best[True])
