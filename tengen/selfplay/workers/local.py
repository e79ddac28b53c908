"""Self-play on every core of one machine: worker processes that each play a share of a
minibatch of games with their own copy of the networks (one torch thread each, so the
processes never fight over cores), the results gathered in game order. ``imap`` runs
any other job the same way (value data: one batch of games a job), results as they come.

The learner's weights travel with every call (a few MB), a checkpoint opponent's by path
(kept loaded in the worker). With one worker ``play`` plays in this process; ``submit``
always plays in worker processes and returns at once (``GamesInFlight``), so the caller
can train while the games are played. A worker that dies takes only its share of the
games in flight; the caller's call raises.
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np

from tengen.selfplay.games import FinishedGame, GamesConfig, play_games
from tengen.selfplay.workers.protocol import GamesInFlight, Opponent, WorkersConfig, model_blob
from tengen.selfplay.workers.shares import evaluator_for, play_share, rival_for


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


class SelfPlayWorkers:
    def __init__(self, cfg: WorkersConfig | None = None):
        self.cfg = cfg or WorkersConfig()
        self.n = self.cfg.workers or os.cpu_count() or 1
        self._pool = None

    def play(self, learner, opponent: Opponent, cfg: GamesConfig,
             names: tuple[str, str] = ("learner", "opponent")) -> list[FinishedGame]:
        """``learner``: a model. With one worker, played here."""
        n = min(self.n, cfg.games)
        if n <= 1:
            mine = evaluator_for(learner, self.cfg)
            return play_games(mine, rival_for(opponent, mine, self.cfg), cfg, names)
        return self.submit(learner, opponent, cfg, names).result()

    def submit(self, learner, opponent: Opponent, cfg: GamesConfig,
               names: tuple[str, str] = ("learner", "opponent")) -> GamesInFlight:
        """As ``play``, on the worker processes, returning at once."""
        n = max(1, min(self.n, cfg.games))
        blob = model_blob(learner)
        bounds = np.linspace(0, cfg.games, n + 1).astype(int)
        return GamesInFlight(self._processes().submit(play_share, blob, opponent, cfg, names,
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


__all__ = ["SelfPlayWorkers"]
