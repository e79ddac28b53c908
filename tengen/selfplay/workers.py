"""Self-play on every core of one machine: worker processes that each play a share of a
minibatch of games with their own copy of the networks (one torch thread each, so the
processes never fight over cores), the results gathered in game order. ``imap`` runs
any other job the same way (value data: one batch of games a job), results as they come.

The learner's weights travel with every call (a few MB), the opponents' by path and are
kept loaded in the worker. With one worker ``play`` plays in this process; ``submit``
always plays in worker processes and returns at once (``GamesInFlight``), so the caller
can train while the games are played. A worker that dies takes only its share of the
games in flight; the caller's call raises.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from tengen.selfplay.games import FinishedGame, GamesConfig, play_games


@dataclass
class WorkersConfig:
    workers: int = 0  # processes; 0 = one per core
    device: str = "cpu"
    bf16: bool = False
    threads: int = 1  # torch threads per worker
    backend: str = "torch"  # the network's runtime: torch, onnx or int8 (EvaluatorConfig)


def _blob(model) -> tuple[dict, dict]:
    from dataclasses import asdict
    # cloned: a process pool pickles later, in its own thread, while the learner may be
    # changing these very tensors in place
    return asdict(model.cfg), {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _model_from(blob):
    from tengen.nets.model import ModelConfig, PolicyValueNet
    model = PolicyValueNet(ModelConfig(**blob[0]))
    model.load_state_dict(blob[1])
    return model.eval()


_CACHE: dict[str, object] = {}  # in a worker: opponent path -> evaluator


def _evaluator(model, wcfg: WorkersConfig):
    from tengen.nets.evaluator import EvaluatorConfig, SharedEvaluator
    return SharedEvaluator(model, EvaluatorConfig(device=wcfg.device, bf16=wcfg.bf16,
                                                  backend=wcfg.backend))


def _opponent(net, wcfg: WorkersConfig):
    """``net``: a checkpoint path (kept loaded) or a model blob."""
    if not isinstance(net, str):
        return _evaluator(_model_from(net), wcfg)
    if net not in _CACHE:
        from tengen.nets.model import load_checkpoint
        if len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[net] = _evaluator(load_checkpoint(net)[0], wcfg)
    return _CACHE[net]


def _init(threads: int) -> None:
    import threading

    import torch
    torch.set_num_threads(threads)
    parent = os.getppid()

    def leave_with_parent():  # a learner killed with SIGKILL must not leave workers behind
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(1)
    threading.Thread(target=leave_with_parent, daemon=True).start()


_SELF = ("the learner itself",)  # one evaluator for both sides (one int8 quantization)


def _play_share(learner_blob, opponent, cfg: GamesConfig, names, games: range,
                wcfg: WorkersConfig) -> list[FinishedGame]:
    learner = _evaluator(_model_from(learner_blob), wcfg)
    rival = (learner if isinstance(opponent, tuple) and opponent == _SELF
             else _opponent(opponent, wcfg))
    return play_games(learner, rival, cfg, names, games)


class GamesInFlight:
    """One minibatch of games being played: the futures of its shares in game order.
    ``seconds``: from submission to the last share's end (or to now)."""

    def __init__(self, futures):
        self.futures = list(futures)
        self.started, self.finished = time.time(), None
        for f in self.futures:
            f.add_done_callback(self._share_done)

    def _share_done(self, _) -> None:
        if all(f.done() for f in self.futures):
            self.finished = time.time()

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started

    def result(self) -> list[FinishedGame]:
        return [g for f in self.futures for g in f.result()]

    def cancel(self) -> None:
        for f in self.futures:
            f.cancel()


class SelfPlayWorkers:
    def __init__(self, cfg: WorkersConfig | None = None):
        self.cfg = cfg or WorkersConfig()
        self.n = self.cfg.workers or os.cpu_count() or 1
        self._pool = None

    def play(self, learner, opponent, cfg: GamesConfig,
             names: tuple[str, str] = ("learner", "opponent")) -> list[FinishedGame]:
        """``learner``: a model; ``opponent``: a model or a checkpoint path."""
        n = min(self.n, cfg.games)
        if n <= 1:
            mine = _evaluator(learner, self.cfg)
            if opponent is learner:
                rival = mine
            elif isinstance(opponent, str):
                rival = _opponent(opponent, self.cfg)
            else:
                rival = _evaluator(opponent, self.cfg)
            return play_games(mine, rival, cfg, names)
        return self.submit(learner, opponent, cfg, names).result()

    def submit(self, learner, opponent, cfg: GamesConfig,
               names: tuple[str, str] = ("learner", "opponent")) -> GamesInFlight:
        """As ``play``, on the worker processes, returning at once."""
        n = max(1, min(self.n, cfg.games))
        blob = _blob(learner)
        rival = (_SELF if opponent is learner else opponent if isinstance(opponent, str)
                 else _blob(opponent))
        bounds = np.linspace(0, cfg.games, n + 1).astype(int)
        return GamesInFlight(self._processes().submit(_play_share, blob, rival, cfg, names,
                                                      range(bounds[i], bounds[i + 1]), self.cfg)
                             for i in range(n))

    def _processes(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp
            self._pool = ProcessPoolExecutor(self.n, mp_context=mp.get_context("spawn"),
                                             initializer=_init, initargs=(self.cfg.threads,))
        return self._pool

    def imap(self, fn, jobs):
        """``fn(*args, workers_config)`` for each ``args`` of the iterable ``jobs``, one
        job per worker at a time; yields ``(args, result)`` as each finishes. ``jobs``
        is read only when a worker is free, so a generator can decide when to stop."""
        jobs = iter(jobs)
        if self.n <= 1:
            for args in jobs:
                yield args, fn(*args, self.cfg)
            return
        pending: dict = {}
        while True:
            while len(pending) < self.n and (args := next(jobs, None)) is not None:
                pending[self._processes().submit(fn, *args, self.cfg)] = args
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield pending.pop(f), f.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def make_workers(ray: str, workers: int, device: str = "cpu", bf16: bool = False,
                 backend: str = "torch"):
    """Ray actors when ``ray`` names a cluster (``auto``, ``ray://...``, ``local``), else
    ``workers`` local processes (0 = one per core)."""
    if ray:
        from tengen.selfplay.ray_workers import RayConfig, RayWorkers
        return RayWorkers(RayConfig(ray, workers or 2, device=device, backend=backend))
    return SelfPlayWorkers(WorkersConfig(workers, device, bf16, backend=backend))


__all__ = ["GamesInFlight", "SelfPlayWorkers", "WorkersConfig", "make_workers"]
