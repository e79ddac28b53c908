"""AlphaGo Zero's route: the search plays itself (full searches' visit shares and the
outcomes are the targets, playout cap randomization, resignation with a played-out
share), batches resume, and train-zero learns those targets beside KGS moves."""
import json

import numpy as np
import pytest
import torch

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import all_locs, apply_symmetry, loc_to_index
from tengen.engine.game import GameState
from tengen.nets.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from tengen.nets.model import build_model
from tengen.selfplay.games import FinishedGame
from tengen.selfplay.search_data import (SearchGame, _Resign, generate, play_search_game,
                                         search_examples, write_batch)
from tengen.selfplay.zero_config import SearchDataConfig, ZeroTrainConfig
from tengen.selfplay.zero_train import ZeroTask, symmetric_policy, train_zero
from helpers import load_script, tiny_search_players


def test_a_search_game_keeps_the_full_searches_visit_shares_and_its_outcome():
    player = tiny_search_players(1)[0]
    cfg = SearchDataConfig(size=7, full_visits=24, fast_visits=4, full_share=0.5,
                           sample_moves=4, resign=0.0, keep_sgf=True)
    g = play_search_game(player, cfg, [3, 0, 0])
    moves = g.game.moves
    assert g.game.ended and moves[-1].loc == PASS == moves[-2].loc
    # about half the moves are targets, in order, each a distribution over legal moves
    assert 0.25 * len(moves) < len(g.targets) < 0.75 * len(moves)
    assert g.targets == sorted(set(g.targets))
    assert g.full_visits > 2 * g.fast_visits  # network evaluations, 24 a move against 4
    state, t = GameState(7), 0
    for i, m in enumerate(moves):
        if t < len(g.targets) and g.targets[t] == i:
            pi = g.policies[t]
            assert pi.sum() == pytest.approx(1.0)
            support = np.flatnonzero(pi)
            legal = {loc_to_index(loc, 7) for loc in all_locs(7) if state.is_legal(loc, m.pla)}
            assert set(support.tolist()) <= legal | {7 * 7}
            assert loc_to_index(m.loc, 7) in support  # the move played was searched
            t += 1
        state.play(m.loc, m.pla)
    assert t == len(g.targets)
    assert g.game.score == player.judge(state).score != 0  # counted as a referee would
    assert g.game.sgf.startswith(b"(;")


def test_resignation_fires_after_a_streak_from_either_sides_view():
    cfg = SearchDataConfig(resign=0.1, resign_after=3, resign_min_moves=10)
    r = _Resign(cfg)
    # black's search reads black lost, white's that white won: one streak against black
    assert [r.fired(11 + i, pla, v) for i, (pla, v) in enumerate(
        [(BLACK, -0.9), (WHITE, 0.9), (BLACK, -0.95)])] == [0, 0, BLACK]
    r = _Resign(cfg)
    assert [r.fired(11 + i, pla, v) for i, (pla, v) in enumerate(
        [(BLACK, -0.9), (WHITE, 0.0), (BLACK, -0.9), (WHITE, 0.9)])] == [0, 0, 0, 0]
    r = _Resign(cfg)  # not before resign_min_moves
    assert [r.fired(5 + i, BLACK, -1.0) for i in range(4)] == [0, 0, 0, 0]


def test_batches_resume_and_other_settings_are_refused(tmp_path):
    torch.manual_seed(0)
    net = tmp_path / "net.pt"
    save_checkpoint(str(net), build_model("b1c8"))
    cfg = SearchDataConfig(out=str(tmp_path / "data"), games=2, batch=1, size=7,
                           full_visits=8, fast_visits=2, sample_moves=2)
    first = generate(cfg, str(net), progress=False)
    assert first["games"] == 2 and first["targets"] > 0
    kept = (tmp_path / "data/batch-000000/records.npz").stat().st_mtime_ns
    import shutil
    shutil.rmtree(tmp_path / "data/batch-000001")
    again = generate(cfg, str(net), progress=False)
    assert again["games"] == 2  # batch 1 played again, batch 0 left as it was
    assert (tmp_path / "data/batch-000000/records.npz").stat().st_mtime_ns == kept
    ex, pi = search_examples(str(tmp_path / "data/batch-000001/records.npz"))
    assert len(ex) == len(pi) > 0 and np.allclose(pi.sum(1), 1, atol=1e-3)
    from tengen.errors import UserError
    with pytest.raises((UserError, ValueError)):
        generate(SearchDataConfig(**{**cfg.__dict__, "full_visits": 9}), str(net),
                 progress=False)
    # a flag added since a folder's run resumes it while off, and is refused once on
    saved = json.loads((tmp_path / "data/config.json").read_text())
    del saved["random_symmetry"]
    (tmp_path / "data/config.json").write_text(json.dumps(saved))
    assert generate(cfg, str(net), progress=False)["games"] == 2
    with pytest.raises((UserError, ValueError)):
        generate(SearchDataConfig(**{**cfg.__dict__, "random_symmetry": True}), str(net),
                 progress=False)


def test_search_data_plays_with_random_symmetries_when_asked(tmp_path):
    from tengen.selfplay.search_data import _player
    torch.manual_seed(0)
    raw = tmp_path / "net.pt"
    save_checkpoint(str(raw), build_model("b1c8"))
    for flag in (False, True):
        cfg = SearchDataConfig(size=7, random_symmetry=flag)
        player = _player(raw.read_bytes(), cfg, "torch")
        assert player.mcts.evaluator.cfg.random_symmetry is flag


def _fake_batches(folder, size: int, batches: int, rng):
    """Search-data batches of random games whose every third position's target is 0.8
    on the last move's point (a convolutional net sees it, in every symmetry) and 0.2
    on the move played."""
    cfg = SearchDataConfig(out=str(folder), size=size, batch=2, keep_sgf=False)
    n2 = size * size + 1
    for b in range(batches):
        games = []
        for k in range(2):
            state = GameState(size)
            g = SearchGame(FinishedGame(BLACK))
            for i in range(40):
                legal = [loc for loc in all_locs(size) if state.is_legal(loc, state.to_play)]
                loc = legal[rng.integers(len(legal))]
                if i % 3 == 1:
                    pi = np.zeros(n2, np.float32)
                    pi[loc_to_index(state.moves[-1].loc, size)] += 0.8
                    pi[loc_to_index(loc, size)] += 0.2
                    g.targets.append(i)
                    g.policies.append(pi)
                state.play(loc, state.to_play)
            g.game.moves, g.game.score = list(state.moves), (1.0 if k == 0 else -1.0)
            g.resigned = True
            games.append(g)
        write_batch(cfg, b, games)


def test_symmetric_policy_moves_the_shares_with_the_board():
    n = 5
    pi = np.arange(2 * (n * n + 1), dtype=np.float32).reshape(2, -1)
    for k in range(8):
        out = symmetric_policy(pi, n, k)
        assert np.array_equal(out[:, :n * n].reshape(2, n, n),
                              apply_symmetry(pi[:, :n * n].reshape(2, n, n), k))
        assert np.array_equal(out[:, -1], pi[:, -1])


def test_train_zero_learns_visit_shares_beside_kgs_moves(tmp_path, shards):
    rng = np.random.default_rng(0)
    _fake_batches(tmp_path / "data", 19, 5, rng)
    torch.manual_seed(0)
    net = tmp_path / "start.pt"
    save_checkpoint(str(net), build_model("b1c8"))
    cfg = ZeroTrainConfig(out=str(tmp_path / "run"), data=str(tmp_path / "data"),
                          net=str(net), steps=60, batch_size=16, lr=0.05, warmup_steps=5,
                          eval_every=60, checkpoint_every=60, kgs_train=str(shards / "train"),
                          kgs_mix=0.5, device="cpu")
    task = ZeroTask(cfg)
    planes, pi, z, moves = task.next_batch()
    assert planes.shape[0] == pi.shape[0] == z.shape[0] == moves.shape[0] == 16
    assert (moves[:8] == -1).all() and (moves[8:] >= 0).all()  # half KGS, the move played
    assert np.allclose(pi[:8].sum(1), 1, atol=1e-3) and not pi[8:].any()
    model = load_checkpoint(str(net))[0].eval()
    before = task.evaluate(model, torch.device("cpu"), False)
    result = train_zero(cfg, progress=False)
    # the held-out batch's targets (the last move's 0.8) are learnt, not memorised games
    assert result["val_policy_ce"] < before["val_policy_ce"] - 0.5
    assert result["val_top1"] > 0.75 > before["val_top1"]
    log = (tmp_path / "run/train_log.csv").read_text()
    assert "loss_kgs_policy" in log and (tmp_path / "run/best.pt").exists()
    meta = read_checkpoint(str(tmp_path / "run/best.pt"))["meta"]
    assert meta["route"] == "zero" and json.dumps(meta["train_config"])
    # the batch norms' running statistics are the starting net's: a fine-tuning in train
    # mode moved them to the self-play batches' and the held-out cross-entropy rose
    start = {k: v for k, v in load_checkpoint(str(net))[0].state_dict().items()
             if "running_" in k}
    trained = load_checkpoint(str(tmp_path / "run/best.pt"))[0].state_dict()
    assert start and all(torch.equal(v, trained[k]) for k, v in start.items())
    # the learnt rule (the last move's point) holds in every orientation: the tool that
    # reads the targets by symmetry turns planes and shares together
    tool = load_script("tools/targets_by_symmetry.py")
    idx = np.arange(min(64, len(task.train)))
    model = load_checkpoint(str(tmp_path / "run/best.pt"))[0]
    ces = tool.cross_entropies(model, task.train, task.train_pi, idx, train_mode=False)
    untrained = tool.cross_entropies(load_checkpoint(str(net))[0], task.train, task.train_pi,
                                     idx, train_mode=False)
    assert max(ces) < min(untrained) - 0.5 and max(ces) - min(ces) < 0.2
