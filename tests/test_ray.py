"""Self-play on a real local Ray cluster: an actor killed with SIGKILL mid-run is
restarted, its share replayed, and every game comes back once, whole, and the same as
when played without Ray."""
import os
from concurrent.futures import FIRST_COMPLETED, wait
import shutil
import signal
import tempfile
import threading
import time

import pytest
import torch

ray = pytest.importorskip("ray", reason="Ray is the optional cluster extra: pip install '.[cluster]'")

from tengen.nets.model import build_model  # noqa: E402
from tengen.selfplay.games import GamesConfig  # noqa: E402
from tengen.selfplay.workers import Opponent, WorkersConfig  # noqa: E402
from tengen.selfplay.workers.protocol import model_blob  # noqa: E402
from tengen.selfplay.workers.ray_actors import RayConfig, RayWorkers  # noqa: E402
from tengen.selfplay.workers.shares import play_share  # noqa: E402


@pytest.fixture
def cluster():
    folder = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must be short
    workers = RayWorkers(RayConfig(address="local", workers=2, share=2, temp_dir=folder))
    yield workers
    workers.close()
    ray.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def test_a_killed_actor_loses_nothing(cluster):
    torch.manual_seed(0)
    learner, opponent = build_model("b1c8").eval(), build_model("b1c8").eval()
    # 48 shares of 2 games (~0.2 s each on one core): the work lasts seconds, so a kill
    # 0.3 s after the tasks are sent lands while they are queued or running on any machine
    n = 96
    cfg = GamesConfig(size=9, games=n, seed=3)
    before = cluster.pids()
    flight = cluster.submit(learner, Opponent.weights_of(opponent), cfg)
    # kill once the actors are at work: the first share is back and most are still out
    wait(flight.futures, return_when=FIRST_COMPLETED, timeout=600)
    assert sum(f.done() for f in flight.futures) < len(flight.futures) // 2, \
        "the games finished before the kill"
    os.kill(before[0], signal.SIGKILL)
    games = flight.result()
    assert len(games) == n
    assert cluster.pids()[0] != before[0]  # restarted by Ray
    # the same games as played here, share by share: none lost, none twice, none half
    local = []
    for a in range(0, n, 2):
        local += play_share(model_blob(learner), Opponent.weights_of(opponent), cfg,
                            ("learner", "opponent"),
                             range(a, a + 2), WorkersConfig(workers=1))
    assert [g.moves for g in games] == [g.moves for g in local]
    assert [g.score for g in games] == [g.score for g in local]
    assert all(g.ended for g in games)


def test_rl_iterations_on_ray(cluster, tmp_path):
    from tengen.nets.checkpoint import save_checkpoint
    from tengen.selfplay.policy_gradient import train_rl
    from tengen.selfplay.rl_config import RLConfig
    cluster.close()  # its two actors hold both CPUs of this local cluster; the run makes its own
    torch.manual_seed(0)
    start = str(tmp_path / "tiny.pt")
    save_checkpoint(start, build_model("b1c8"))
    cfg = RLConfig(out=str(tmp_path / "rl"), net=start, size=7, batch_size=8, steps=2,
                   eval_every=2, eval_games=4, ray="local", workers=2, threads=1,
                   overlap=True)  # the learner trains while the actors play
    metrics = train_rl(cfg, progress=False)
    assert metrics["iteration"] == 2 and 0 <= metrics["win_rate_sl"] <= 1
    for it in range(2):
        folder = tmp_path / "rl" / "games" / f"iter-{it:06d}"
        assert len(list(folder.glob("*.sgf"))) == 8 and (folder / "records.npz").exists()


def test_value_data_on_ray_with_an_actor_killed(cluster, tmp_path):
    from helpers import batch_contents
    from tengen.selfplay.value_data import ValueDataConfig, generate
    torch.manual_seed(0)
    model = build_model("b1c8").eval()
    cfg = ValueDataConfig(out=str(tmp_path / "ray"), size=9, batch=8, max_u=60, games=96,
                          keep_sgf=False)
    before = cluster.pids()
    run = threading.Thread(target=lambda: generate(cfg, model, workers=cluster, progress=False))
    run.start()
    while run.is_alive() and not list((tmp_path / "ray").glob("batch-*/records.npz")):
        time.sleep(0.05)  # kill once the actors are surely at work, whatever the machine
    assert run.is_alive(), "the batches finished before the kill"
    os.kill(before[0], signal.SIGKILL)
    run.join(timeout=600)
    assert cluster.pids()[0] != before[0]  # restarted by Ray
    on_ray = batch_contents(tmp_path / "ray")
    cfg.out = str(tmp_path / "here")
    generate(cfg, model, progress=False)  # the same batches in this process
    here = batch_contents(tmp_path / "here")
    assert sum(len(b["u"]) for b in on_ray.values()) >= 96
    assert all(on_ray[k] == here[k] for k in here) and set(here) <= set(on_ray)
    assert not list((tmp_path / "ray").glob("**/*.tmp*"))  # nothing written half


def test_a_network_playing_itself_on_actors(cluster):
    """One evaluator for both sides in the actor (``Opponent.learner()``): the games are
    those of two copies played here."""
    torch.manual_seed(1)
    net = build_model("b1c8").eval()
    cfg = GamesConfig(size=7, games=4, seed=5)
    games = cluster.play(net, Opponent.learner(), cfg)
    local = play_share(model_blob(net), Opponent.weights_of(net), cfg, ("learner", "opponent"),
                       range(4),
                        WorkersConfig(workers=1))
    assert [g.moves for g in games] == [g.moves for g in local]
