"""Who owns each point, estimated from rollouts, and what follows from it at the end of a
game: which stones are dead and the area score once they are removed."""
from __future__ import annotations

import numpy as np

from .board import BLACK, COLOR, EMPTY, HEAD, WHITE, area_score
from .game import GameState

DEAD_THRESHOLD = 0.4  # mean ownership against a chain's colour that makes it dead


def ownership(state: GameState, rollouts, count: int = 128) -> np.ndarray:
    """Mean ownership per point, ``(n, n)``, +1 black to -1 white, with the side to move
    playing first."""
    _, own, _ = rollouts.run(state, count)
    n = state.size
    return own.reshape(n + 2, n + 2)[1:-1, 1:-1].copy()


def dead_stones(state: GameState, own: np.ndarray) -> list[int]:
    """Locs of stones whose chain the opponent owns in most rollouts (judged per chain,
    so a chain is never split)."""
    b = state.board
    n = state.size
    w = n + 2
    padded = np.zeros(w * w)
    padded.reshape(w, w)[1:-1, 1:-1] = own
    chains: dict[int, list[int]] = {}
    for loc in range(w * w):
        c = b.B[COLOR, loc]
        if c == BLACK or c == WHITE:
            chains.setdefault(int(b.B[HEAD, loc]), []).append(loc)
    dead = []
    for head, locs in chains.items():
        sign = 1.0 if b.B[COLOR, head] == BLACK else -1.0
        if sign * float(np.mean(padded[locs])) < -DEAD_THRESHOLD:
            dead.extend(locs)
    return sorted(dead)


def score_without(state: GameState, dead: list[int]) -> float:
    """Black minus white by area (komi included) once ``dead`` stones are taken off.
    The area count reads colours only, so a copy with them blanked out is enough."""
    b = state.board
    B = b.B.copy()
    B[COLOR, dead] = EMPTY
    return float(area_score(B, b.meta.copy())) - state.komi


__all__ = ["ownership", "dead_stones", "score_without", "DEAD_THRESHOLD"]
