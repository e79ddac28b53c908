"""Move choosers behind one small interface, so the GTP layer never knows how a move is
chosen. The network and the tree search plug in here later."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from .board import BLACK, PASS
from .game import GameState

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


def passing_wins(state: GameState, pla: int) -> bool:
    """The opponent has just passed and the board as it stands already wins for ``pla``:
    passing ends the game with that count."""
    if not state.moves or state.moves[-1].loc != PASS:
        return False
    return count_wins(state.area_score(), pla)


def count_wins(score: float, pla: int) -> bool:
    """A black-minus-white score (komi included) is a win for ``pla``."""
    return score != 0 and (score > 0) == (pla == BLACK)


class Player(Protocol):
    name: str

    def choose_move(self, state: GameState, pla: int, clock: Clock) -> int:
        """A legal loc for ``pla`` in ``state``, PASS, or RESIGN."""
        ...


class RandomPlayer:
    """Placeholder until the network arrives: a uniformly random legal move that does not
    fill its own eye. It passes when the opponent has passed and it is not behind on the
    area count, or when no such move is left, so games end."""

    name = "random"

    def __init__(self, seed: int | None = None):
        self.rng = random.Random(seed)

    def choose_move(self, state: GameState, pla: int, clock: Clock) -> int:
        if passing_wins(state, pla):
            return PASS
        moves = state.sensible_moves(pla)
        return self.rng.choice(moves) if moves else PASS


class BackgroundPlayer:
    """Builds a slow-to-load player (imports, weights, JIT warm-up) in a thread, so the
    first GTP commands a GUI sends on attach are answered at once; ``choose_move`` waits
    for it. A load error surfaces at the first genmove (as one ``?`` answer)."""

    def __init__(self, factory, name: str = "player"):
        import threading

        self.name = name
        self._player: Player | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, args=(factory,), daemon=True)
        self._started = False

    def start(self) -> None:
        """Begin loading (the GTP loop calls this once its first answer is out: a loading
        thread holds the GIL through long imports and would delay that answer)."""
        if not self._started:
            self._started = True
            self._thread.start()

    def _load(self, factory) -> None:
        try:
            self._player = factory()
        except BaseException as e:  # reported when a move is asked for
            self._error = e

    def wait(self) -> None:
        """Block until loading ends, however it ends (errors surface at ``ready``)."""
        self.start()
        self._thread.join()

    def ready(self) -> Player:
        self.wait()
        if self._error is not None:
            raise RuntimeError(f"player failed to load: {self._error}") from self._error
        return self._player

    def choose_move(self, state: GameState, pla: int, clock: Clock) -> int:
        return self.ready().choose_move(state, pla, clock)
