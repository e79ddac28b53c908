"""Policy-network player: the move the network likes best among sensible ones, no search."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..engine.board import PASS
from ..engine.coords import loc_to_index
from ..engine.game import GameState
from ..engine.judge import Judge
from ..engine.passing import instead_of_passing, opponent_passed
from ..engine.players import RESIGN, Clock
from .features import state_planes
from .model import load_checkpoint


@dataclass
class PolicyPlayerConfig:
    resign_value: float = -0.95  # resign below this value estimate...
    resign_after: int = 3  # ...for this many own moves in a row
    resign_min_moves: int = 100
    allow_resign: bool = True


class PolicyPlayer:
    name = "policy"

    def __init__(self, net_path: str, cfg: PolicyPlayerConfig | None = None):
        self.model, self.checkpoint = load_checkpoint(net_path)
        self.cfg = cfg or PolicyPlayerConfig()
        self._low = 0
        self.judge = Judge()

    def warm_up(self, size: int = 19) -> None:
        """One evaluation, so kernels are loaded and torch is primed before the first move."""
        self.evaluate(GameState(size))

    @torch.no_grad()
    def evaluate(self, state: GameState) -> tuple[np.ndarray, float]:
        """Move probabilities (n*n + 1, pass last) and value for the side to move."""
        planes = state_planes(state)
        logits, value = self.model(torch.from_numpy(planes[None]).float())
        return torch.softmax(logits[0], 0).numpy(), float(value[0])

    def choose_move(self, state: GameState, pla: int, clock: Clock) -> int:
        if state.to_play != pla:
            state = state.copy()
            state.to_play = pla
        n = state.size
        probs, value = self.evaluate(state)
        self._low = self._low + 1 if value < self.cfg.resign_value else 0
        if (self.cfg.allow_resign and self._low >= self.cfg.resign_after
                and len(state.moves) >= self.cfg.resign_min_moves):
            return RESIGN
        sensible = state.sensible_moves(pla)
        if not sensible:
            return PASS
        best = max(sensible, key=lambda loc: probs[loc_to_index(loc, n)])
        wants_pass = probs[n * n] > probs[loc_to_index(best, n)] and len(state.moves) > n * n // 2
        if opponent_passed(state) or wants_pass:  # the network thinks the game is over
            instead = instead_of_passing(state, pla, self.judge(state))
            if instead is not None:
                return instead
        return best


__all__ = ["PolicyPlayer", "PolicyPlayerConfig"]
