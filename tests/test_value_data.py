"""Value data as AlphaGo made it: the SL policy before the random move U, the RL policy
after it, the position after move U kept with the outcome for the side to move there;
batches resume; value regression on them runs on the training core."""
import json
import shutil
import sys

import numpy as np
import pytest
import torch

from tengen.engine.board import PASS
from tengen.engine.game import GameState
from tengen.nets.evaluator import SharedEvaluator
from tengen.nets.features import state_planes
from tengen.nets.model import build_model
from tengen.nets.checkpoint import load_checkpoint, save_checkpoint
from tengen.selfplay.records import load_records, value_examples
from tengen.selfplay.value_data import ValueDataConfig, generate, play_value_games
from tengen.selfplay.value_train import (HEADS, ValueTrainConfig, train_value, value_forward,
                                         with_heads)
from helpers import batch_contents


class Recorder(SharedEvaluator):
    """Remembers how many moves each position it was asked about had."""

    def __init__(self, model):
        super().__init__(model)
        self.games, self.seen = {}, {}

    def evaluate(self, states):
        for s in states:
            self.games[id(s)] = s  # the game itself: it ends with every move played
            self.seen.setdefault(id(s), set()).add(len(s.moves))
        return super().evaluate(states)

    def lengths(self, moves) -> set[int]:
        """How many moves the positions of this game it evaluated had."""
        return next((self.seen[k] for k, s in self.games.items() if s.moves == moves), set())


def test_sl_before_u_rl_after_and_the_kept_position(tmp_path):
    torch.manual_seed(0)
    sl, rl = Recorder(build_model("b1c8")), Recorder(build_model("b1c8"))
    cfg = ValueDataConfig(size=7, batch=8, max_u=30, positions_per_game=3)
    games, dropped = play_value_games(sl, rl, cfg, seed=5)
    assert len(games) + dropped == 8 and games
    for v in games:
        g = v.game
        assert 1 <= v.u <= 30 < len(g.moves) + 30 and len(g.moves) > v.u
        assert g.moves[v.u - 1].loc != PASS  # the random move
        assert v.keep[0] == v.u and len(v.keep) == 3 and len(set(v.keep)) == 3
        assert g.learner == 3 - g.moves[v.u - 1].pla  # to move at s_{U+1}
        assert g.ended and g.moves[-1].loc == PASS == g.moves[-2].loc
        # the SL net chose moves 1..U-1, the RL net every move after U, to the end
        assert sl.lengths(g.moves) == set(range(v.u - 1))
        assert rl.lengths(g.moves) == set(range(v.u, len(g.moves)))


def test_rl_temperature_zero_plays_the_rl_policys_top_move_after_u():
    """``rl_temperature=0``: every move after U is the RL network's most probable
    sensible move (replayed and checked); the SL prefix still samples."""
    from tengen.engine.coords import locs_to_indices
    torch.manual_seed(1)
    sl, rl = SharedEvaluator(build_model("b1c8")), SharedEvaluator(build_model("b1c8"))
    cfg = ValueDataConfig(size=7, batch=6, max_u=20, rl_temperature=0.0)
    games, _ = play_value_games(sl, rl, cfg, seed=3)
    checked, sl_not_top = 0, 0
    for v in games:
        g = GameState(7, cfg.komi)
        for i, m in enumerate(v.game.moves):
            if i != v.u - 1 and m.loc != PASS:  # not the random move U
                net = rl if i >= v.u else sl  # move i + 1 > U: the RL policy's
                sensible = np.asarray(g.sensible_moves(m.pla), np.int64)
                probs = net.evaluate([g])[0][0][locs_to_indices(sensible, 7)]
                top = np.sort(probs)[::-1]
                if net is rl and (len(top) < 2 or top[0] - top[1] > 1e-5):  # no near tie
                    assert m.loc == sensible[np.argmax(probs)]
                    checked += 1
                sl_not_top += net is sl and m.loc != sensible[np.argmax(probs)]
            g.play(m.loc, m.pla)
    assert checked > 50 and sl_not_top > 0  # the SL prefix still samples


def test_batches_resume_and_examples_carry_the_movers_outcome(tmp_path):
    torch.manual_seed(0)
    net = build_model("b1c8").eval()
    cfg = ValueDataConfig(out=str(tmp_path / "vd"), size=7, batch=4, max_u=20, games=6,
                          keep_sgf=False)
    first = generate(cfg, net, progress=False)
    assert first["games"] >= 6 and first["batches"] == 2
    before = (tmp_path / "vd" / "batch-000000" / "records.npz").read_bytes()
    cfg.games = 10
    second = generate(cfg, net, progress=False)
    assert second["batches"] == 3 and second["games"] >= 10
    assert (tmp_path / "vd" / "batch-000000" / "records.npz").read_bytes() == before
    path = str(tmp_path / "vd" / "batch-000001" / "records.npz")
    games, _ = load_records(path)
    ex = value_examples(path)
    assert len(ex) == len(games)  # one position per game
    g = games[-1]
    with np.load(path) as d:
        u = int(d["u"][-1])
    state = GameState(7)
    for m in g.moves[:u]:
        state.play(m.loc, m.pla)
    assert np.array_equal(ex.unpack([len(ex) - 1])[0], state_planes(state))
    assert ex.z[-1] == g.outcome(state.to_play)


def tiny_value_data(tmp_path, games: int):
    """7x7 value data (4 positions a game) and a fresh b1c8 checkpoint to start from."""
    torch.manual_seed(0)
    net = build_model("b1c8").eval()
    data = tmp_path / "vd"
    generate(ValueDataConfig(out=str(data), size=7, batch=8, max_u=20, games=games,
                             positions_per_game=4, keep_sgf=False), net, progress=False)
    start = str(tmp_path / "start.pt")
    save_checkpoint(start, build_model("b1c8"))
    return data, start


def test_value_regression_learns_its_training_positions(tmp_path):
    data, start = tiny_value_data(tmp_path, 32)
    cfg = ValueTrainConfig(out=str(tmp_path / "value"), data=str(data), net=start,
                           val_every=2, steps=300, batch_size=64, lr=0.05, warmup_steps=10,
                           eval_every=300, threads=1)
    from tengen.selfplay.value_train import ValueTask
    task = ValueTask(cfg)
    model0 = build_model("b1c8")
    model0.load_state_dict(torch.load(start, weights_only=False)["model"])
    planes, z = task.train.unpack(np.arange(len(task.train))), task.train.z
    with torch.no_grad():
        mse0 = float(((model0.eval()(torch.from_numpy(planes).float())[1] - torch.from_numpy(z)) ** 2).mean())
    metrics = train_value(cfg, progress=False)
    assert np.isfinite(metrics["val_mse"])
    assert metrics["loss_value"] < mse0 - 0.05, (metrics, mse0)
    assert metrics["loss_ownership"] < np.log(2) - 0.1, metrics  # a fresh output: ~log 2
    # the score output, in points, beats the best constant guess on held-out positions
    guess = float(np.abs(task.val.margin - np.median(task.train.margin)).mean())
    assert metrics["val_score_error"] < guess - 1, (metrics, guess)
    assert (tmp_path / "value" / "best.pt").exists()


def test_split_evaluator_takes_priors_from_one_net_and_values_from_the_other():
    from tengen.nets.evaluator import SplitEvaluator
    from tengen.nets.evaluator import planes_of
    from tengen.selfplay.value_eval import MixedValue
    torch.manual_seed(1)
    ma, mb = build_model("b1c8").eval(), build_model("b1c8").eval()
    a, b = SharedEvaluator(ma), SharedEvaluator(mb)
    states = [GameState(9), GameState(9)]
    states[1].play(states[1].sensible_moves()[3])
    probs, values = SplitEvaluator(a, b).evaluate(states)
    assert np.allclose(probs, a.evaluate(states)[0]) and np.allclose(values, b.evaluate(states)[1])
    assert not np.allclose(values, a.evaluate(states)[1])
    _, mixed = SplitEvaluator(a, b, mix=0.25).evaluate(states)
    assert np.allclose(mixed, 0.25 * values + 0.75 * a.evaluate(states)[1], atol=1e-6)
    with torch.no_grad():  # eval-value --value-mix reads the values the search reads
        x = torch.from_numpy(planes_of(states)).float()
        assert np.allclose(MixedValue(ma, mb, 0.25)(x)[1].numpy(), mixed, atol=1e-5)
    with pytest.raises(ValueError, match="value mix"):
        SplitEvaluator(a, b, mix=1.5)


def test_gtp_search_with_a_value_net(tmp_path):
    from tengen.match.gtp_client import GtpClient
    torch.manual_seed(2)
    policy, value = str(tmp_path / "p.pt"), str(tmp_path / "v.pt")
    save_checkpoint(policy, build_model("b1c8"))
    save_checkpoint(value, build_model("b1c8"))
    gtp = GtpClient(f"{sys.executable} -m tengen.cli gtp --net {policy} --value-net {value} "
                    "--value-mix 0.5 --visits 16 --lam 0", default_timeout=300)
    try:
        gtp.send("boardsize 9")
        gtp.send("clear_board")
        move = gtp.send("genmove b")
        assert move.lower() not in ("resign", "pass")
        assert gtp.send(f"is_legal w {move}") == "0"  # it was played
    finally:
        gtp.close()


def test_eval_value_by_phase(tmp_path, capsys):
    from tengen.selfplay.value_eval import eval_selfplay, mse_by_move, mse_by_phase
    r = mse_by_phase(np.array([0.0, 0.5, 1.0, -1.0]), np.array([1.0, 1.0, -1.0, -1.0]),
                     np.array([1, 50, 51, 400]))
    assert r["mse"] == pytest.approx((1 + 0.25 + 4 + 0) / 4)
    assert r["moves_1_50"] == {"positions": 2, "mse": 0.625}
    assert r["moves_51_150"] == {"positions": 1, "mse": 4.0}
    assert r["moves_151_plus"] == {"positions": 1, "mse": 0.0}
    assert r["half_mse"] == pytest.approx(r["mse"] / 2, abs=1e-4)  # AlphaGo's scale
    bins = mse_by_move(np.array([0.0, 0.5, 1.0, -1.0]), np.array([1.0, 1.0, -1.0, -1.0]),
                       np.array([1, 20, 21, 400]))
    assert bins == [[1, 20, 2, 0.625], [21, 40, 1, 4.0], [301, None, 1, 0.0]]
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    data = tmp_path / "vd"
    generate(ValueDataConfig(out=str(data), size=7, batch=4, max_u=40, games=8,
                             keep_sgf=False), model, progress=False)
    held = eval_selfplay(model, str(data), val_every=2)  # batch 1 of 0..1
    every = eval_selfplay(model, str(data), val_every=2, held_out_only=False)
    ex = value_examples(str(data / "batch-000001" / "records.npz"))
    with torch.no_grad():
        v = model(torch.from_numpy(ex.unpack(np.arange(len(ex)))).float())[1].numpy()
    assert held["positions"] == len(ex) < every["positions"]
    assert held["mse"] == pytest.approx(float(((v - ex.z) ** 2).mean()), abs=1e-4)
    u = ex.after_u  # AlphaGo's test positions: the one after the random move, one a game
    games, _ = load_records(str(data / "batch-000001" / "records.npz"))
    assert held["after_u"]["positions"] == len(games) == u.sum()
    assert held["after_u"]["mse"] == pytest.approx(float(((v[u] - ex.z[u]) ** 2).mean()), abs=1e-4)
    assert sum(b[2] for b in held["by_move"]) == held["positions"]
    # eval-value --value-mix: the mix's ends are the two nets, its middle between them
    torch.manual_seed(1)
    other = build_model("b1c8").eval()
    paths = [str(tmp_path / "a.pt"), str(tmp_path / "b.pt")]
    save_checkpoint(paths[0], model)
    save_checkpoint(paths[1], other)
    from tengen.cli import main
    main(["eval-value", "--net", paths[0], "--net", paths[1], "--data", str(data),
          "--val-every", "2", "--value-mix", "0,0.5,1"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    mse = {r["net"].split(":")[0]: r["selfplay"]["mse"] for r in lines}
    assert mse["mix 0.0"] == pytest.approx(mse[paths[0]], abs=1e-4)
    assert mse["mix 1.0"] == pytest.approx(mse[paths[1]], abs=1e-4)
    assert mse[paths[0]] != pytest.approx(mse[paths[1]], abs=1e-3)
    assert mse["mix 0.5"] != pytest.approx(mse["mix 0.0"], abs=1e-4)


def one_batch(tmp_path, max_u: int, positions_per_game: int) -> str:
    """One 7x7 value-data batch of 8 games by a fresh b1c8: its records' path."""
    torch.manual_seed(0)
    net = build_model("b1c8").eval()
    data = tmp_path / "vd"
    generate(ValueDataConfig(out=str(data), size=7, batch=8, max_u=max_u, games=8,
                             positions_per_game=positions_per_game, keep_sgf=False), net,
             progress=False)
    return str(data / "batch-000000" / "records.npz")


def test_positions_per_game_keeps_the_random_move_first(tmp_path):
    path = one_batch(tmp_path, max_u=20, positions_per_game=4)
    with np.load(path) as d:
        u = d["u"]
    games, _ = load_records(path)
    every, one, two = (value_examples(path, k) for k in (0, 1, 2))
    assert sorted(one.played.tolist()) == sorted(int(x) for x in u[:len(games)])
    assert len(one) == len(games) < len(two) <= 2 * len(games) < len(every)
    assert set(one.played.tolist()) <= set(two.played.tolist()) <= set(every.played.tolist())
    assert np.array_equal(two.played, value_examples(path, 2).played)  # same pick each read
    assert one.after_u.all() and every.after_u.sum() == len(games)
    assert sorted(every.played[every.after_u].tolist()) == sorted(one.played.tolist())


def test_positions_before_a_move_are_drawn_from_the_whole_continuation(tmp_path):
    """``before`` M draws positions afresh from each game's moves after U, those with
    fewer than M moves played, rather than from the ones kept (mostly near-finished
    boards); the position after U comes first, and every label is the mover's outcome."""
    path = one_batch(tmp_path, max_u=12, positions_per_game=2)
    with np.load(path) as d:
        u = d["u"].astype(int)
    games, _ = load_records(path)
    before = 20
    span = [max(0, min(len(g.moves), before) - int(k)) for g, k in zip(games, u)]
    assert sum(span) > 2 * len(games)  # more positions there than were kept
    every = value_examples(path, 0, before)
    assert len(every) == sum(span)  # each game's moves U .. M-1, none after M
    assert every.played.max() < before and every.after_u.sum() == sum(s > 0 for s in span)
    for k, g in enumerate(games):
        mine = every.played[sum(span[:k]):sum(span[:k + 1])]
        assert mine.tolist() == list(range(u[k], u[k] + span[k]))
        assert (every.z[sum(span[:k]):sum(span[:k + 1])]
                == [g.outcome(g.moves[i].pla) for i in mine]).all()
    three = value_examples(path, 3, before)
    assert len(three) == sum(min(3, s) for s in span)
    assert three.after_u.sum() == sum(s > 0 for s in span)  # U's position always kept
    assert set(three.played.tolist()) <= set(every.played.tolist())
    assert np.array_equal(three.played, value_examples(path, 3, before).played)


def test_training_holds_out_positions_drawn_as_its_training_ones(tmp_path):
    """With ``positions_before`` the held-out batches are read by the same rule, so the
    checkpoint kept is the best on the positions trained for; without it, every kept one."""
    from tengen.selfplay.value_train import load_split
    data, _ = tiny_value_data(tmp_path, 40)
    plain = load_split(ValueTrainConfig(data=str(data), val_every=5))
    drawn = load_split(ValueTrainConfig(data=str(data), val_every=5, positions_before=15,
                                        positions_per_game=2))
    assert plain[1].played.max() >= 15 and plain[0].played.max() >= 15
    for part in drawn:
        assert part.played.max() < 15 and len(part) > 0
    assert len(drawn[1]) != len(plain[1])


def test_head_only_training_leaves_the_policy_untouched(tmp_path):
    data, start = tiny_value_data(tmp_path, 16)
    cfg = ValueTrainConfig(out=str(tmp_path / "value"), data=str(data), net=start,
                           val_every=2, steps=20, batch_size=32, lr=0.05, warmup_steps=2,
                           eval_every=20, threads=1, train_blocks=0)
    train_value(cfg, progress=False)
    before = torch.load(start, weights_only=False)["model"]
    after = torch.load(tmp_path / "value" / "latest.pt", weights_only=False)["model"]
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("value_") for k in changed), changed


@pytest.mark.parametrize("aux", [0, 4])
def test_heads_only_training_keeps_the_played_engine_bit_identical(tmp_path, aux):
    """Ownership and score outputs trained beside a shipped net must not move one weight
    or batch-norm statistic the policy and value read: the engine that plays is the same."""
    data, start = tiny_value_data(tmp_path, 16)
    cfg = ValueTrainConfig(out=str(tmp_path / "heads"), data=str(data), net=start,
                           val_every=2, steps=60, batch_size=32, lr=0.05, warmup_steps=2,
                           eval_every=60, threads=1, heads_only=True, aux_channels=aux)
    metrics = train_value(cfg, progress=False)
    before = torch.load(start, weights_only=False)["model"]
    after = torch.load(tmp_path / "heads" / "latest.pt", weights_only=False)
    assert after["config"]["ownership"] and after["config"]["score"]
    new = {k for k in after["model"] if k not in before}
    assert new and all(k.startswith(HEADS) for k in new)
    assert any(k.startswith("aux_conv") for k in new) == bool(aux)
    assert all(torch.equal(before[k], after["model"][k]) for k in before)
    net, _ = load_checkpoint(str(tmp_path / "heads" / "latest.pt"))
    old, _ = load_checkpoint(start)
    torch.manual_seed(cfg.seed)  # the heads as the run drew them, untrained
    untrained = with_heads(old, True, True, aux).eval()
    train = value_examples(str(sorted(data.glob("batch-*/records.npz"))[0]))
    x = torch.from_numpy(train.unpack(np.arange(len(train)))).float()
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(net(x), old(x)))
        errors = [(value_forward(m, x)[2].numpy() - train.margin).__abs__().mean()
                  for m in (untrained, net)]
    assert errors[1] < errors[0]  # the heads learned their training positions
    assert 0 < metrics["val_ownership"] <= 1 and metrics["val_score_error"] > 0
    with pytest.raises(ValueError, match="heads_only"):
        ValueTrainConfig(heads_only=True, kgs_mix=0.5, kgs_train="shards")


def test_value_regression_on_kgs_positions(tmp_path, kgs_dir):
    from tengen.engine.sgf import iter_sgf_files
    from tengen.nets.data import DataConfig, build_shard
    from tengen.selfplay.value_train import KgsPositions
    games = tmp_path / "sgf"
    games.mkdir()
    for k, (_, data) in enumerate(iter_sgf_files(str(kgs_dir / "KGS-2017_04-19-913-.tar.gz"))):
        if k == 6:
            break
        (games / f"{k}.sgf").write_bytes(data)
    build_shard(str(games), str(tmp_path / "shards"), DataConfig())
    kgs = KgsPositions(str(tmp_path / "shards"))
    planes, z, _ = kgs.sample(np.random.default_rng(0), 64)
    assert planes.shape == (64, 49, 19, 19) and set(np.unique(z)) <= {-1.0, 1.0}
    meta = np.concatenate([np.asarray(m) for m in kgs.shards.meta])
    assert len(kgs.known) == int((meta[:, 4] != 0).sum()) > 0
    start = str(tmp_path / "start.pt")
    save_checkpoint(start, build_model("b1c8"))
    cfg = ValueTrainConfig(out=str(tmp_path / "value"), data=str(tmp_path / "none"), net=start,
                           train_on="kgs", kgs_train=str(tmp_path / "shards"),
                           kgs_val=str(tmp_path / "shards"), kgs_positions=128, steps=4,
                           batch_size=16, warmup_steps=1, eval_every=4, threads=1)
    metrics = train_value(cfg, progress=False)
    assert 0 < metrics["kgs_mse"] < 4
    best = torch.load(tmp_path / "value" / "best.pt", weights_only=False)["meta"]
    assert best["best"] == metrics["kgs_mse"] and best["train_positions"] == len(kgs.known)
    with pytest.raises(ValueError, match="kgs_train"):
        ValueTrainConfig(train_on="kgs")
    with pytest.raises(ValueError, match="kgs_train"):
        ValueTrainConfig(kgs_mix=0.25)
    # self-play batches with a share of KGS positions: outcomes, no final owners
    from tengen.selfplay.value_train import ValueTask
    small, _ = tiny_value_data(tmp_path, 16)  # 7x7
    mixed = ValueTrainConfig(out=str(tmp_path / "mixed"), data=str(small), net=start,
                             val_every=2, kgs_train=str(tmp_path / "shards"), kgs_mix=0.25,
                             steps=4, batch_size=16, warmup_steps=1, eval_every=4, threads=1)
    with pytest.raises(ValueError, match="19x19, the value data 7x7"):
        ValueTask(mixed)
    mixed.data = str(tmp_path / "vd19")
    generate(ValueDataConfig(out=mixed.data, size=19, batch=2, max_u=10, games=4,
                             keep_sgf=False, resign=0.3, resign_after=2, played_out=0),
             build_model("b1c8").eval(), progress=False)
    task = ValueTask(mixed)
    planes, z, (owner, known, margin) = task.next_batch()
    assert planes.shape == (16, 49, 19, 19) and z.shape == known.shape == margin.shape == (16,)
    assert not known[12:].any() and set(np.unique(z[12:])) <= {-1.0, 1.0}
    assert not owner[12:].any() and not margin[12:].any()
    train_value(mixed, progress=False)  # and it trains


def test_ownership_targets_add_up_to_the_final_count(tmp_path):
    data, _ = tiny_value_data(tmp_path, 8)
    path = str(data / "batch-000000" / "records.npz")
    games, info = load_records(path)
    ex = value_examples(path, 1)  # the position after U of each game, in game order
    assert ex.ownership.shape == (len(games), 49) and len(games)
    for g, owner, margin in zip(games, ex.ownership, ex.margin):
        black_minus_white = g.score + info["komi"]  # the exact count, komi taken back
        assert owner.sum() == (black_minus_white if g.learner == 1 else -black_minus_white)
        # the score target: the same count for the side to move, komi in
        assert margin == owner.sum() + (-info["komi"] if g.learner == 1 else info["komi"])


def test_worker_processes_play_the_same_batches_and_fill_holes(tmp_path):
    from tengen.selfplay.workers import WorkersConfig
    from tengen.selfplay.workers.local import SelfPlayWorkers
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    cfg = ValueDataConfig(out=str(tmp_path / "here"), size=7, batch=4, max_u=20, games=14,
                          keep_sgf=False)
    alone = generate(cfg, model, progress=False)
    here = batch_contents(tmp_path / "here")
    workers = SelfPlayWorkers(WorkersConfig(workers=2))
    try:
        cfg.out = str(tmp_path / "pool")
        result = generate(cfg, model, workers=workers, progress=False)
        pool = batch_contents(tmp_path / "pool")
        # the data are the same batches, however many workers played them
        assert result["games"] == alone["games"] >= 14 and pool == here
        shutil.rmtree(tmp_path / "pool" / "batch-000001")  # a hole, as a kill leaves
        # and a batch past the data, as a run with more workers out at a kill leaves
        shutil.copytree(tmp_path / "pool" / "batch-000000", tmp_path / "pool" / "batch-000009")
        mtime = (tmp_path / "pool" / "batch-000002" / "records.npz").stat().st_mtime_ns
        again = generate(cfg, model, workers=workers, progress=False)
    finally:
        workers.close()
    assert batch_contents(tmp_path / "pool") == pool and again["games"] == alone["games"]
    assert (tmp_path / "pool" / "surplus" / "batch-000009" / "records.npz").exists()
    assert (tmp_path / "pool" / "batch-000002" / "records.npz").stat().st_mtime_ns == mtime


def test_eval_value_compares_nets_on_the_same_kgs_positions(kgs_dir):
    """Several nets, one pass over the positions, planes built in threads: each net's MSE
    is what eval-policy computes alone, the phases add up, and threads change nothing."""
    from tengen.nets.accuracy import evaluate_archive
    from tengen.selfplay.value_eval import eval_kgs, eval_kgs_many
    archive = str(kgs_dir / "KGS-2017_05-19-847-.tar.gz")
    torch.manual_seed(3)
    models = {"sl": load_checkpoint("sl")[0], "fresh": build_model("b1c8").eval()}
    many = eval_kgs_many(models, archive, games=3, workers=2, batch=128)
    alone = evaluate_archive("sl", archive, games=3)
    assert many["sl"]["mse"] == pytest.approx(alone["value_mse"], abs=2e-4)
    assert many["sl"]["positions"] == many["fresh"]["positions"] > 300
    assert many["sl"]["mse"] != many["fresh"]["mse"]
    phases = [many["sl"][k] for k in ("moves_1_50", "moves_51_150", "moves_151_plus")]
    assert sum(p["positions"] for p in phases) == many["sl"]["positions"]
    assert sum(p["positions"] * p["mse"] for p in phases) / many["sl"]["positions"] == \
        pytest.approx(many["sl"]["mse"], abs=1e-3)
    bins = many["sl"]["by_move"]
    assert sum(b[2] for b in bins) == many["sl"]["positions"]
    assert sum(b[2] * b[3] for b in bins) / many["sl"]["positions"] == \
        pytest.approx(many["sl"]["mse"], abs=1e-3)
    single = eval_kgs(models["fresh"], archive, games=3, workers=1)
    assert single["mse"] == pytest.approx(many["fresh"]["mse"], abs=1e-6)


class BlackIsLost:
    """A judge whose values give black no chance (+1 for white to move, -1 for black)."""

    def evaluate(self, states):
        return None, np.array([1.0 if s.to_play == 2 else -1.0 for s in states], np.float32)


def test_resignation_stops_decided_games_and_the_played_out_ones_measure_it(tmp_path):
    """With resignation, a game stops ``resign_after`` plies after U once the judge gives
    black nothing (W+R, no final owners); the played-out games go on to their true end,
    record where the rule fired, and count as false positives when black won them. The
    moves before the stop are those of the same game without resignation."""
    torch.manual_seed(0)
    net = SharedEvaluator(build_model("b1c8"))
    plain = ValueDataConfig(size=7, batch=16, max_u=20, keep_sgf=False)
    cfg = ValueDataConfig(size=7, batch=16, max_u=20, keep_sgf=False, resign=0.05,
                          resign_after=4, played_out=0.25)
    full, _ = play_value_games(net, net, plain, seed=9)
    games, _ = play_value_games(net, net, cfg, seed=9, judge=BlackIsLost())
    assert [v.u for v in games] == [v.u for v in full]
    resigned = [v for v in games if v.resigned]
    played_out = [v for v in games if not v.resigned and v.would_resign]
    assert resigned and played_out
    for v, f in zip(games, full):
        fires = v.u + 4  # observed from the position after U, four plies in a row
        if v.resigned:
            assert len(v.game.moves) == fires == v.would_resign and v.game.score == -1.0
            assert v.game.winner == 2 and v.resign_loser == 1
            assert v.game.moves == f.game.moves[:fires] and max(v.keep) < fires
        else:  # played on: the game without resignation, move for move
            assert v.game.moves == f.game.moves and v.game.score == f.game.score
            assert v.would_resign in (0, fires)  # 0: it ended before the rule could fire
    out = tmp_path / "vd"
    from tengen.selfplay.value_data import resignation_report, write_batch
    write_batch(ValueDataConfig(out=str(out), size=7, keep_sgf=False), 0, games, 0)
    report = resignation_report(out)
    assert report["resigned"] == len(resigned) and report["played_out_fired"] == len(played_out)
    assert report["false_positives"] == sum(v.game.winner == 1 for v in played_out)
    ex = value_examples(str(out / "batch-000000" / "records.npz"))
    per_game = [v.resigned for v in games for _ in v.keep]
    assert ex.owner_known.tolist() == [not r for r in per_game]
    assert ex.z[np.array(per_game)].tolist() == [  # W+R: +1 for white to move, -1 for black
        1.0 if v.game.moves[m - 1].pla == 1 else -1.0 for v in resigned for m in v.keep]
