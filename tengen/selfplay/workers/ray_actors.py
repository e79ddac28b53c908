"""Self-play on a Ray cluster: the same ``play`` as ``SelfPlayWorkers``, played by Ray
actors (``pip install ".[cluster]"``).

Each actor holds one process with one torch thread and plays whole shares of a minibatch
(``share`` games each) with the networks it is sent: the learner's weights and the
opponent's travel once per call through Ray's object store, so nodes need no shared
file system. A killed actor is restarted by Ray and its unfinished share is retried
there (``max_restarts``/``max_task_retries``); every game draws its moves from its own
random stream (seed, game number), so a retried share replays the same games and
nothing is counted twice. Results come back in game order.

``address``: ``auto`` joins the cluster that ``ray start --head`` started on this
machine, ``ray://host:10001`` a remote one, ``local`` starts a private one here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from tengen.selfplay.games import FinishedGame, GamesConfig
from tengen.selfplay.workers.protocol import GamesInFlight, Opponent, WorkersConfig, model_blob
from tengen.selfplay.workers.shares import play_share


@dataclass
class RayConfig:
    address: str = "auto"
    workers: int = 2  # actors
    share: int = 8  # games per task: what a killed actor can lose
    device: str = "cpu"
    num_gpus: float = 0.0  # per actor, when playing on GPUs
    temp_dir: str | None = None  # for a local cluster (tests)
    backend: str = "torch"  # the network's runtime on the actors: torch, onnx or int8
    bf16: bool = False  # autocast in the actors, as local workers do


def _actor_class():
    import ray

    @ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=1)
    class GameActor:
        def __init__(self, wcfg: WorkersConfig):
            import torch
            torch.set_num_threads(wcfg.threads)
            self.wcfg = wcfg

        def pid(self) -> int:
            return os.getpid()

        def play(self, learner, opponent, cfg, names, games):
            return play_share(learner, opponent, cfg, names, games, self.wcfg)

        def call(self, fn, args):
            return fn(*args, self.wcfg)

    return GameActor


class RayWorkers:
    def __init__(self, cfg: RayConfig | None = None):
        import ray
        self.cfg = cfg = cfg or RayConfig()
        if not ray.is_initialized():
            if cfg.address == "local":
                ray.init(num_cpus=cfg.workers, include_dashboard=False,
                         _temp_dir=cfg.temp_dir, log_to_driver=False)
            else:
                ray.init(address=cfg.address, log_to_driver=False)
        wcfg = WorkersConfig(workers=1, device=cfg.device, bf16=cfg.bf16, backend=cfg.backend)
        actor = _actor_class().options(num_gpus=cfg.num_gpus)
        self.actors = [actor.remote(wcfg) for _ in range(cfg.workers)]
        self.n = cfg.workers

    def pids(self) -> list[int]:
        import ray
        return ray.get([a.pid.remote() for a in self.actors])

    def play(self, learner, opponent: Opponent, cfg: GamesConfig,
             names: tuple[str, str] = ("learner", "opponent")) -> list[FinishedGame]:
        """``learner``: a model."""
        return self.submit(learner, opponent, cfg, names).result()

    def submit(self, learner, opponent: Opponent, cfg: GamesConfig,
               names: tuple[str, str] = ("learner", "opponent")) -> GamesInFlight:
        """As ``play``, returning at once: the shares come back as the actors end them. A
        checkpoint opponent is read here and sent as weights (nodes share no files)."""
        import ray
        mine = ray.put(model_blob(learner))
        if opponent.path is not None:
            from tengen.nets.checkpoint import load_checkpoint
            opponent = Opponent.weights_of(load_checkpoint(opponent.path)[0])
        theirs = ray.put(opponent)
        step = max(1, self.cfg.share)
        shares = [range(a, min(a + step, cfg.games)) for a in range(0, cfg.games, step)]
        refs = [self.actors[i % self.n].play.remote(mine, theirs, cfg, names, share)
                for i, share in enumerate(shares)]
        return GamesInFlight(r.future() for r in refs)

    def imap(self, fn, jobs):
        """As ``SelfPlayWorkers.imap``: one job per actor at a time, results as they
        finish; a killed actor's job is retried on its restarted self."""
        import ray
        jobs = iter(jobs)
        free, pending = list(self.actors), {}
        while True:
            while free and (args := next(jobs, None)) is not None:
                actor = free.pop()
                pending[actor.call.remote(fn, args)] = (actor, args)
            if not pending:
                return
            done, _ = ray.wait(list(pending), num_returns=1)
            actor, args = pending.pop(done[0])
            free.append(actor)
            yield args, ray.get(done[0])

    def close(self) -> None:
        import ray
        for a in self.actors:
            ray.kill(a)
        self.actors = []


__all__ = ["RayConfig", "RayWorkers"]
