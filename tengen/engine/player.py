"""The player contract: move choosers behind one small interface, so the GTP layer,
matches and self-play never know how a move is chosen."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tengen.engine.board import PASS
from tengen.engine.game import GameState
from tengen.engine.judge.judgment import count_wins

RESIGN = -1


@dataclass
class Clock:
    """What the controller told us about time (GTP time_settings / kgs-time_settings /
    time_left). Seconds; ``byo_stones == 0`` with ``byo_time > 0`` means Japanese
    byo-yomi periods (``periods``), else Canadian."""
    main_time: float | None = None  # None: no time limit announced
    byo_time: float = 0.0
    byo_stones: int = 0
    periods: int = 0
    time_left: dict = field(default_factory=dict)  # colour -> (seconds, stones)
    used: dict = field(default_factory=dict)  # colour -> seconds we measured ourselves
    move_start: float | None = None  # time.monotonic() when the current genmove arrived


ANALYSIS = "analysis"  # analyze() and move_infos(): streams search statistics to a GUI
CLEANUP = "cleanup"  # choose(cleanup=True) captures the opponent's dead stones first


@dataclass
class MoveChoice:
    """A player's move and what it knew when it chose it (self-play keeps these)."""
    loc: int  # a legal loc, PASS, or RESIGN
    policy: np.ndarray | None = None  # (n*n + 1,) distribution it chose from, pass last
    value: float | None = None  # its estimate of the outcome for the mover, in [-1, 1]
    infos: list = field(default_factory=list)  # search statistics per root move (MoveInfo)


class Player:
    """What the GTP layer, matches and self-play ask of a move chooser.

    ``choose`` returns a ``MoveChoice``; ``temperature`` 0 takes the best move, above 0
    samples (self-play). Optional abilities are declared in ``abilities`` (ANALYSIS,
    CLEANUP), never probed. ``start``/``wait``/``ready`` let a player load in the
    background; a player that loads at once keeps these defaults."""

    name = "player"
    abilities: frozenset = frozenset()

    def choose(self, state: GameState, pla: int, clock: Clock | None = None, *,
               cleanup: bool = False, temperature: float = 0.0,
               report: Callable[[], None] | None = None, report_every: float = 1.0,
               stop: Callable[[], bool] | None = None) -> MoveChoice:
        raise NotImplementedError

    def start(self, stand_in: bool = True) -> None:
        """Begin loading (called once the first GTP answer is out)."""

    def wait(self) -> None:
        """Block until loading has ended."""

    def ready(self) -> "Player":
        """The loaded player (itself, unless it loads in the background)."""
        return self

    def analyze(self, state: GameState, pla: int, stop: Callable[[], bool],
                report: Callable[[], None], report_every: float,
                visits: int | None = None) -> None:
        raise NotImplementedError  # only players declaring ANALYSIS

    def move_infos(self, scores: bool = True) -> list:
        return []

    def move_while_loading(self, state: GameState, pla: int,
                           clock: Clock) -> MoveChoice | None:
        """A move for a genmove that finds the player still loading past the move's time
        (a fresh install's first start), or None: then ``choose`` as usual."""
        return None

    @property
    def loading(self) -> bool:
        """Still loading in the background (pondering waits for the next move then)."""
        return False

    def close(self) -> None:
        """Release threads and the like (GTP calls it when the session ends)."""


def sample_index(weights: np.ndarray, temperature: float, rng) -> int:
    """The best of ``weights`` (temperature 0), or a draw from ``weights ** (1 / T)``."""
    if temperature <= 0:
        return int(np.argmax(weights))
    w = np.power(np.maximum(weights, 0.0), 1.0 / temperature)
    total = w.sum()
    if total <= 0:
        return int(np.argmax(weights))
    return int(rng.choice(len(w), p=w / total))


class RandomPlayer(Player):
    """Placeholder until the network arrives: a uniformly random legal move that does not
    fill its own eye. It passes when the opponent has passed and it is not behind on the
    area count, or when no such move is left, so games end."""

    name = "random"

    def __init__(self, seed: int | None = None):
        self.rng = random.Random(seed)

    def choose(self, state: GameState, pla: int, clock: Clock | None = None,
               **kwargs) -> MoveChoice:
        if _passing_wins_as_it_stands(state, pla):
            return MoveChoice(PASS)
        moves = state.sensible_moves(pla)
        return MoveChoice(self.rng.choice(moves) if moves else PASS)


def _passing_wins_as_it_stands(state: GameState, pla: int) -> bool:
    """The opponent has passed and the board as it stands wins for ``pla`` (the random
    placeholder's rule: it has no judgment of dead stones)."""
    if not state.moves or state.moves[-1].loc != PASS:
        return False
    return count_wins(state.area_score(), pla)


class BackgroundPlayer(Player):
    """Builds a slow-to-load player (imports, weights, JIT warm-up) in a thread, so the
    first GTP commands a GUI sends on attach are answered at once; ``choose`` waits
    for it. A load error surfaces at the first genmove (as one ``?`` answer). Abilities
    are those of the player ``ready()`` returns."""

    def __init__(self, factory, name: str = "player", stand_in=None, budget=None):
        """``stand_in()``: a ``players.stand_in.StandIn`` (or None) started with the load;
        ``budget(state, pla, clock)``: the move's seconds, or None where no clock limits
        it (then a genmove waits for the load)."""
        import threading

        self.name = name
        self._player: Player | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(factory,), daemon=True)
        self._started = False
        self._make_stand_in, self._budget = stand_in, budget
        self._stand_in = None

    def start(self, stand_in: bool = True) -> None:
        """Begin loading (the GTP loop calls this once its first answer is out: a loading
        thread holds the GIL through long imports and would delay that answer);
        ``stand_in``: start the stand-in too, where there is one (not for ``--prepare``)."""
        if not self._started:
            self._started = True
            if stand_in and self._make_stand_in is not None:
                self._stand_in = self._make_stand_in()
            self._thread.start()

    def _load(self, factory) -> None:
        try:
            self._player = factory()
        except BaseException as e:  # reported when a move is asked for
            self._error = e
        if self._stand_in is not None:
            self._stand_in.close()

    @property
    def loading(self) -> bool:
        return self._thread.is_alive()

    def move_while_loading(self, state: GameState, pla: int,
                           clock: Clock) -> MoveChoice | None:
        """Wait for the load until the move's time is up; if it is still running, the
        stand-in's move (as soon as it has one). None once loaded, without a stand-in or
        a budget: the loaded player then chooses, with whatever time is left."""
        import time
        self.start()
        stand_in = self._stand_in
        if stand_in is None or not self._thread.is_alive() or self._budget is None:
            return None
        budget = self._budget(state, pla, clock)
        if budget is None:
            return None
        stand_in.ask(state, pla)
        start = clock.move_start if clock.move_start is not None else time.monotonic()
        self._thread.join(timeout=max(0.0, start + budget - time.monotonic()))
        while self._thread.is_alive() and stand_in.alive:
            loc = stand_in.answer(timeout=0.05)
            if loc is not None:  # an illegal one (a stand-in bug) leaves it to the search
                return MoveChoice(loc) if state.is_legal(loc, pla) else None
        return None

    def wait(self) -> None:
        """Block until loading ends, however it ends (errors surface at ``ready``)."""
        self.start()
        self._thread.join()

    def ready(self) -> Player:
        self.wait()
        if self._error is not None:
            raise RuntimeError(f"player failed to load: {self._error}") from self._error
        return self._player

    def choose(self, state: GameState, pla: int, clock: Clock | None = None,
               **kwargs) -> MoveChoice:
        return self.ready().choose(state, pla, clock, **kwargs)

    def close(self) -> None:
        # a load still running is not waited for: its thread is a daemon
        if self._stand_in is not None:
            self._stand_in.close()
        if self._player is not None and not self._thread.is_alive():
            self._player.close()
