"""Self-play policy gradient: the update's sign, the compact records, the pool, and a run
killed with SIGKILL mid-iteration that resumes to the same end as an uninterrupted one."""
import copy
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import locs_to_indices
from tengen.engine.game import GameState
from tengen.nets.features import state_planes
from tengen.nets.model import build_model
from tengen.nets.checkpoint import load_checkpoint, save_checkpoint
from tengen.nets.evaluator import SharedEvaluator
from tengen.selfplay.games import GamesConfig, play_games
from tengen.selfplay.policy_gradient import PolicyGradientTask, sampled_log_prob
from tengen.selfplay.pool import OpponentPool
from tengen.selfplay.records import Examples, learner_examples, load_records, save_records
from tengen.selfplay.rl_config import RLConfig


@pytest.fixture
def tiny_net(tmp_path):
    torch.manual_seed(0)
    path = str(tmp_path / "tiny.pt")
    save_checkpoint(path, build_model("b1c8"))
    return path


def _games(n=4, size=7, seed=1):
    torch.manual_seed(0)
    a, b = SharedEvaluator(build_model("b1c8")), SharedEvaluator(build_model("b1c8"))
    return play_games(a, b, GamesConfig(size=size, games=n, seed=seed))


def test_records_round_trip_and_examples_are_the_learners_moves(tmp_path):
    games = _games()
    path = str(tmp_path / "records.npz")
    save_records(games, path, 7, 7.5, {"opponent": "x.pt"})
    back, info = load_records(path)
    assert info["opponent"] == "x.pt" and info["size"] == 7
    for g, h in zip(games, back):
        assert (g.learner, g.score, g.ended, g.moves) == (h.learner, h.score, h.ended, h.moves)
    ex = learner_examples(back, 7, 7.5)
    mine = [(k, i) for k, g in enumerate(back) for i, m in enumerate(g.moves)
            if m.pla == g.learner and m.loc != PASS]
    assert len(ex) == len(mine)
    # the last example is the last game's last learner move, its planes as replayed
    k, i = mine[-1]
    g = back[k]
    state = GameState(7, 7.5)
    for m in g.moves[:i]:
        state.play(m.loc, m.pla)
    assert np.array_equal(ex.unpack([len(ex) - 1])[0], state_planes(state))
    assert ex.z[-1] == g.outcome(g.learner) and set(np.unique(ex.z)) <= {-1.0, 1.0}
    assert {g.learner for g in back} == {BLACK, WHITE}
    half = learner_examples(back, 7, 7.5, 0.5, np.random.default_rng(0))
    assert 0 < len(half) < len(ex)


@pytest.mark.parametrize("z", [1.0, -1.0])
def test_an_update_makes_won_moves_likelier_and_lost_moves_rarer(tmp_path, tiny_net, z):
    cfg = RLConfig(out=str(tmp_path / "run"), size=7, batch_size=2, lr=1.0)
    model, _ = load_checkpoint(tiny_net)
    task = PolicyGradientTask(cfg, model, tiny_net)
    state = GameState(7)
    state.play(state.sensible_moves()[10])
    planes = np.packbits(state_planes(state))[None]
    ex = Examples(planes, np.array([17]), np.array([z], np.float32), 7)

    def logp():  # over the sensible moves, as the games sample
        with torch.no_grad():
            x = torch.from_numpy(ex.unpack([0])).float()
            return sampled_log_prob(model(x)[0], x, torch.tensor([17])).item()

    before = logp()
    (chunk,) = task.chunks((ex, {}))
    loss, parts = task.loss(model, chunk, "cpu")
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= cfg.lr * p.grad
    assert parts["loss_pg"] == pytest.approx(-z * before / cfg.batch_size, rel=1e-4)
    assert (logp() - before) * z > 0


def test_the_gradient_is_the_sampled_distributions():
    """Every move the games played is sensible (a finite log-probability); the
    log-probabilities are those of sample_move's distribution; a forced move teaches
    nothing."""
    games = _games(n=4)
    ex = learner_examples(games, 7, 7.5)
    torch.manual_seed(3)
    model = build_model("b1c8").eval()
    x = torch.from_numpy(ex.unpack(np.arange(len(ex)))).float()
    a = torch.from_numpy(ex.actions)
    logp = sampled_log_prob(model(x)[0], x, a, temperature=0.7)
    assert torch.isfinite(logp).all()
    # the same probabilities as sample_move's weights ** (1 / T), renormalised
    state = GameState(7, 7.5)
    game = next(g for g in games if g.learner == BLACK)
    kth = [i for i, m in enumerate(game.moves) if m.pla == game.learner and m.loc != PASS][3]
    for m in game.moves[:kth]:
        state.play(m.loc, m.pla)
    xs = torch.from_numpy(state_planes(state)[None]).float()
    probs = torch.softmax(model(xs)[0], 1)[0].detach().numpy()
    idx = locs_to_indices(np.asarray(state.sensible_moves(), np.int64), 7)
    w = probs[idx] ** (1 / 0.7)
    played = locs_to_indices(np.array([game.moves[kth].loc]), 7)[0]
    expected = np.log(w[list(idx).index(played)] / w.sum())
    got = sampled_log_prob(model(xs)[0], xs, torch.tensor([played]), 0.7).item()
    assert got == pytest.approx(expected, abs=1e-4)
    # one sensible move: probability 1 whatever the weights
    forced = xs.clone()
    forced[0, 46] = 0
    forced[0, 46].view(-1)[played] = 1
    assert sampled_log_prob(model(xs)[0], forced, torch.tensor([played])).item() == 0.0


def test_moves_where_the_learner_would_pass_teach_nothing(tmp_path, tiny_net):
    """A move where the learner's own pass probability is above the cutoff is left out
    of the update; below it, the same move counts."""
    games = _games(n=2)
    ex = learner_examples(games, 7, 7.5)
    cfg = RLConfig(out=str(tmp_path / "run"), size=7, batch_size=2)
    grads = {}
    for bias in (-50.0, 50.0):  # the pass logit: never / always the policy's choice
        model, _ = load_checkpoint(tiny_net)
        with torch.no_grad():
            model.policy_pass.bias.fill_(bias)
        task = PolicyGradientTask(cfg, model, tiny_net)
        parts = {}
        for chunk in task.chunks((ex, {})):
            loss, parts = task.loss(model, chunk, "cpu")
            loss.backward()
        grads[bias] = sum(float(p.grad.abs().sum()) for p in model.parameters()
                          if p.grad is not None)
        trained = parts["moves_trained"] * cfg.batch_size
        assert trained == (len(ex) if bias < 0 else 0)
        task.close()
    assert grads[-50.0] > 0 and grads[50.0] == 0


def test_pool_snapshots_and_draws(tmp_path, tiny_net):
    pool = OpponentPool(str(tmp_path / "pool"), tiny_net)
    model, _ = load_checkpoint(tiny_net)
    path = pool.add(model, 500)
    # kept relative to the run folder (the pool's parent): a copied run reads its own
    assert pool.state() == ["tiny.pt", "pool/iter-000500.pt"] and path.endswith("iter-000500.pt")
    assert pool.add(model, 500) == path and len(pool.state()) == 2  # rewritten, not added
    draws = {pool.draw(np.random.default_rng(s)) for s in range(20)}
    assert draws == {tiny_net, path}
    assert load_checkpoint(path)[1]["meta"]["iteration"] == 500


def _rl_command(out, net, overlap=False):
    return [sys.executable, "-m", "tengen.cli", "rl", "--out", str(out), "--net", net,
            "--size", "7", "--batch-size", "8", "--steps", "6", "--snapshot-every", "2",
            "--eval-every", "3", "--eval-games", "4", "--lr", "0.01", "--threads", "1",
            "--micro-batch", "64", "--workers", "2",
            "--overlap" if overlap else "--no-overlap"]


def _end_state(out):
    state = torch.load(out / "latest.pt", weights_only=False)
    pool = [os.path.basename(p) for p in state["sampler"]["pool"]]
    return state["meta"]["step"], state["sampler"]["iteration"], pool, state["model"]


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return kids


@pytest.mark.parametrize("overlap", [False, True], ids=["in-turn", "overlap"])
def test_rl_killed_mid_iteration_resumes_to_the_same_run(tmp_path, tiny_net, overlap):
    """With ``overlap`` the kill also takes the next iteration's games in flight; the
    resumed run replays them with the weights that were playing them."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(_rl_command(whole, tiny_net, overlap), check=True, env=env,
                   capture_output=True)
    proc = subprocess.Popen(_rl_command(broken, tiny_net, overlap), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = broken / "rl_log.csv"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 4:  # 3 iterations done
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    workers = _children(proc.pid)
    assert len(workers) >= 2  # the self-play processes
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(f"/proc/{w}") for w in workers):
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{w}") for w in workers), "orphaned workers"
    killed_at = _end_state(broken)[1]
    assert 2 <= killed_at < 6  # (a log row is written just before its checkpoint)
    subprocess.run(_rl_command(broken, tiny_net, overlap), check=True, env=env,
                   capture_output=True)
    a, b = _end_state(whole), _end_state(broken)
    assert a[:3] == b[:3] == (6, 6, ["tiny.pt", "iter-000002.pt", "iter-000004.pt"])
    for k in a[3]:  # the same games and updates: the same weights
        assert torch.allclose(a[3][k].float(), b[3][k].float(), atol=1e-6), k
    for it in range(6):  # every iteration's games written once, whole
        assert (broken / "games" / f"iter-{it:06d}" / "records.npz").exists()
        assert len(list((broken / "games" / f"iter-{it:06d}").glob("*.sgf"))) == 8
        assert not list((broken / "games" / f"iter-{it:06d}").glob("*.tmp*"))


def test_overlap_plays_the_next_games_with_the_weights_before_the_update(tmp_path, tiny_net):
    """The next iteration's games are on the workers when the update starts, and they are
    the games that the pre-update weights play; in turn, the post-update weights play."""
    from tengen.selfplay.workers import Opponent, WorkersConfig
    from tengen.selfplay.workers.protocol import model_blob
    from tengen.selfplay.workers.shares import play_share
    runs = {}
    for overlap in (False, True):
        cfg = RLConfig(out=str(tmp_path / str(overlap)), size=7, batch_size=4, steps=3,
                       lr=0.05, workers=1, threads=1, overlap=overlap, keep_sgf=False)
        model, _ = load_checkpoint(tiny_net)
        task = PolicyGradientTask(cfg, model, tiny_net)
        try:
            before = copy.deepcopy(model)
            batch = task.next_batch()
            assert (task.in_flight is not None) == overlap
            if overlap:
                assert task.pending["iteration"] == 1
            loss = sum(task.loss(model, c, "cpu")[0] for c in task.chunks(batch))
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    if p.grad is not None:
                        p -= cfg.lr * p.grad
            after = copy.deepcopy(model)
            task.next_batch()
            games, _ = load_records(str(tmp_path / str(overlap) / "games" / "iter-000001"
                                        / "records.npz"))
            plan = task._plan(1)
            gcfg = task.games_config(cfg.batch_size, plan["seed"])
            replay = {name: play_share(model_blob(net), Opponent.checkpoint(plan["opponent"]),
                                       gcfg, ("l", "o"),
                                        range(4), WorkersConfig(workers=1))
                      for name, net in (("before", before), ("after", after))}
            runs[overlap] = [name for name, gs in replay.items()
                             if [g.moves for g in gs] == [g.moves for g in games]]
        finally:
            task.close()
    assert runs == {False: ["after"], True: ["before"]}
