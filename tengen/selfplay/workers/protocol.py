"""The contract every kind of workers keeps, and the values that cross it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol

from tengen.selfplay.games import FinishedGame, GamesConfig


@dataclass
class WorkersConfig:
    workers: int = 0  # processes; 0 = one per core
    device: str = "cpu"
    bf16: bool = False
    threads: int = 1  # torch threads per worker
    backend: str = "torch"  # the network's runtime: torch, onnx or int8 (EvaluatorConfig)


def model_blob(model) -> tuple[dict, dict]:
    """A model as plain data that crosses processes: (config, weights)."""
    from dataclasses import asdict
    # cloned: a process pool pickles later, in its own thread, while the learner may be
    # changing these very tensors in place
    return asdict(model.cfg), {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


@dataclass(frozen=True)
class Opponent:
    """Whom the learner plays: itself (one evaluator for both sides, one int8
    quantization), a checkpoint (by path, kept loaded in each worker), or weights sent
    with the games. Made with ``learner()``, ``checkpoint(path)`` or ``weights_of(model)``."""
    itself: bool = False
    path: str | None = None
    weights: tuple | None = None

    @staticmethod
    def learner() -> "Opponent":
        return Opponent(itself=True)

    @staticmethod
    def checkpoint(path) -> "Opponent":
        return Opponent(path=str(path))

    @staticmethod
    def weights_of(model) -> "Opponent":
        return Opponent(weights=model_blob(model))

    @property
    def name(self) -> str:
        from pathlib import Path
        return "itself" if self.itself else Path(self.path).stem if self.path else "weights"


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


class Workers(Protocol):
    n: int  # games or jobs played at once

    def submit(self, learner, opponent: Opponent, cfg: GamesConfig,
               names: tuple[str, str] = ("learner", "opponent")) -> GamesInFlight:
        """Start ``cfg.games`` games of the model ``learner`` against ``opponent``."""
        ...

    def play(self, learner, opponent: Opponent, cfg: GamesConfig,
             names: tuple[str, str] = ("learner", "opponent")) -> list[FinishedGame]:
        """``submit(...).result()`` (in this process where that is quicker)."""
        ...

    def imap(self, fn: Callable, jobs: Iterable[tuple]) -> Iterator[tuple[tuple, object]]:
        """``fn(*args, workers_config)`` for each job, ``(args, result)`` as each ends;
        ``jobs`` is read only when a worker is free."""
        ...

    def close(self) -> None:
        ...


__all__ = ["WorkersConfig", "Opponent", "GamesInFlight", "Workers", "model_blob"]
