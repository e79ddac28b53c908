"""Policy-network player: the move the network likes best among sensible ones (or one
drawn from its softmax, with a temperature), no search."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tengen.engine.board import PASS, WHITE
from tengen.engine.coords import locs_to_indices
from tengen.engine.judge.pass_rules import (ResignRule, capture_move, dead_left, instead_of_passing,
                                          opponent_passed, play_on_moves)
from tengen.engine.game import GameState
from tengen.engine.judge.judgment import Judge
from tengen.engine.player import CLEANUP, RESIGN, Clock, MoveChoice, Player, sample_index
from tengen.nets.evaluator import SharedEvaluator
from tengen.nets.checkpoint import load_checkpoint


@dataclass
class PolicyPlayerConfig:
    resign_value: float = -0.95  # resign below this value estimate...
    resign_after: int = 3  # ...for this many own moves in a row
    resign_min_moves: int = 100
    allow_resign: bool = True
    seed: int = 0  # for moves drawn with a temperature


class PolicyPlayer(Player):
    name = "policy"
    abilities = frozenset({CLEANUP})

    def __init__(self, net_path: str, cfg: PolicyPlayerConfig | None = None,
                 judge: Judge | None = None, evaluator: SharedEvaluator | None = None):
        """``evaluator``: a network shared with other players (default: its own)."""
        self._owns_evaluator = evaluator is None
        if evaluator is None:
            model, _ = load_checkpoint(net_path)
            evaluator = SharedEvaluator(model)
        self.evaluator = evaluator
        self.cfg = cfg = cfg or PolicyPlayerConfig()
        self.resign = ResignRule((cfg.resign_value + 1) / 2 if cfg.allow_resign else 0.0,
                                 cfg.resign_min_moves, cfg.resign_after)
        self.judge = judge or Judge()
        self.rng = np.random.default_rng(cfg.seed)

    def warm_up(self, size: int = 19) -> None:
        """One evaluation and one judgment's rollout, so every kernel is compiled (or
        loaded) and torch is primed before the first move, not in the middle of a game."""
        from tengen.players.precompile import KernelPrecompile
        kernels = KernelPrecompile()
        kernels.wait()
        g = GameState(size)
        self.evaluate(g)
        self.judge.rollouts.run(g, 1)

    def evaluate(self, state: GameState) -> tuple[np.ndarray, float]:
        """Move probabilities (n*n + 1, pass last) and value for the side to move."""
        probs, values = self.evaluator.evaluate([state])
        return probs[0], float(values[0])

    def close(self) -> None:
        if self._owns_evaluator:
            self.evaluator.close()

    def choose(self, state: GameState, pla: int, clock: Clock | None = None, *,
               cleanup: bool = False, temperature: float = 0.0, **kwargs) -> MoveChoice:
        if state.to_play != pla:
            state = state.copy()
            state.to_play = pla
        probs, value = self.evaluate(state)
        return MoveChoice(self._pick(state, pla, probs, value, cleanup, temperature),
                          probs, value)

    def _pick(self, state, pla, probs, value, cleanup, temperature) -> int:
        giving = len(state.handicap) if pla == WHITE else 0  # handicap stones are black's
        if self.resign.resigns((value + 1) / 2, len(state.moves), giving):
            return RESIGN
        if cleanup:
            j = self.judge(state)
            if dead_left(state, pla, j):
                capture = capture_move(state, pla, j)
                if capture is not None:
                    return capture
        return policy_move(state, pla, probs, temperature, self.rng, self.judge)


def policy_move(state: GameState, pla: int, probs: np.ndarray, temperature: float, rng,
                judge: Judge) -> int:
    """The policy's move among sensible ones (the best, or drawn with ``temperature``);
    the pass rule once the opponent has passed or the policy itself would pass (late in
    the game), and after the opponent's pass only moves that can change the count
    (``play_on_moves``); PASS when nothing sensible is left."""
    sensible = state.sensible_moves(pla)
    if not sensible:
        return PASS
    n = state.size
    weights = probs[locs_to_indices(np.asarray(sensible, np.int64), n)]
    passed = opponent_passed(state)
    wants_pass = probs[n * n] > weights.max() and len(state.moves) > n * n // 2
    if passed or wants_pass:
        judgment = judge(state)
        instead = instead_of_passing(state, pla, judgment)
        if instead is not None:
            return instead
        if passed:  # playing on after a pass: only where the count can still change
            sensible = play_on_moves(state, pla, judgment, sensible)
            if not sensible:
                return PASS
            weights = probs[locs_to_indices(np.asarray(sensible, np.int64), n)]
    return sensible[sample_index(weights, temperature, rng)]


__all__ = ["PolicyPlayer", "PolicyPlayerConfig", "policy_move"]
