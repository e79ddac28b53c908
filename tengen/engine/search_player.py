"""The tree search as a player: budgets from the clock, the tree kept between moves,
game sense around passing, resigning and cleanup, and analysis for GUIs."""
from __future__ import annotations

import time
from typing import Callable

from .board import PASS
from .game import GameState
from .mcts import MCTS, Evaluator, MoveInfo, SearchConfig
from .judge import Judge, Judgment
from .passing import (capture_move, dead_left, instead_of_passing, may_pass,
                      opponent_passed)
from .players import RESIGN, Clock
from .search_state import SimState
from .timecontrol import TimePolicy, move_budget


class SearchPlayer:
    name = "mcts"

    def __init__(self, evaluator: Evaluator, cfg: SearchConfig | None = None, rollouts=None,
                 time_policy: TimePolicy | None = None, ownership_rollouts=None):
        self.cfg = cfg or SearchConfig()
        self.mcts = MCTS(evaluator, self.cfg, rollouts)
        self.time_policy = time_policy or TimePolicy()
        self.judge = Judge(ownership_rollouts or rollouts)
        self._root_key = None  # (size, komi, setup, moves) the tree's root stands for

    # ------------------------------------------------------------------ tree

    def _set_root(self, state: GameState, pla: int) -> SimState:
        s = SimState.from_game(state)
        s.to_play = pla
        setup = tuple((m.pla, m.loc) for m in state.setup)
        moves = tuple((m.pla, m.loc) for m in state.moves)
        key = (state.size, state.komi, setup, pla == state.to_play)
        played = None
        if self._root_key is not None and self._root_key[0] == key and key[3]:
            old = self._root_key[1]
            if moves[:len(old)] == old:
                played = [loc for _, loc in moves[len(old):]]
        self.mcts.set_root(s, played)
        self._root_key = (key, moves)
        return s

    # ------------------------------------------------------------------ playing

    def deadline(self, state: GameState, pla: int, clock: Clock) -> float:
        start = clock.move_start if clock.move_start is not None else time.monotonic()
        empties = len(state.board.empties())
        if self.cfg.max_time is not None and clock.main_time is None:
            budget = self.cfg.max_time
        else:
            budget = move_budget(clock, pla, empties, self.time_policy)
        return start + budget

    def choose_move(self, state: GameState, pla: int, clock: Clock, *, cleanup: bool = False,
                    report: Callable[[], None] | None = None, report_every: float = 1.0,
                    stop: Callable[[], bool] | None = None) -> int:
        early = self._endgame(state, pla, cleanup)
        if early is not None:
            return early
        deadline = self.deadline(state, pla, clock)
        s = self._set_root(state, pla)
        self.mcts.search(visits=self.cfg.visits, deadline=deadline, stop=stop, report=report,
                         report_every=report_every)
        return self._pick(state, s, pla, cleanup)

    def _endgame(self, state: GameState, pla: int, cleanup: bool) -> int | None:
        """A move decided by the judgment alone, without searching, once the opponent
        has passed (engine/passing.py); in cleanup, a capture of a dead stone. None:
        search."""
        if self.cfg.pass_policy != "safe":
            return None
        if cleanup:
            j = self.judge(state)
            if dead_left(state, pla, j):
                return capture_move(state, pla, j)
            return PASS if may_pass(j, pla) else None
        if not opponent_passed(state):
            return None
        return instead_of_passing(state, pla, self.judge(state))

    def _pick(self, state: GameState, s: SimState, pla: int, cleanup: bool) -> int:
        mcts = self.mcts
        i = mcts.best_index()
        if i < 0:
            return PASS
        loc = int(mcts.root.moves[i])
        if (self.cfg.resign_threshold > 0 and len(state.moves) >= self.cfg.resign_min_moves
                and mcts.root_winrate() < self.cfg.resign_threshold):
            return RESIGN
        if loc == PASS and len(mcts.root.moves) > 1 and self.cfg.pass_policy == "safe":
            instead = None if cleanup else instead_of_passing(state, pla, self.judge(state))
            if instead is None:
                instead = int(mcts.root.moves[mcts.best_index(exclude_pass=True)])
            loc = instead
        return loc

    def judgment(self, state: GameState) -> Judgment:
        return self.judge(state)

    # ------------------------------------------------------------------ analysis

    def analyze(self, state: GameState, pla: int, stop: Callable[[], bool],
                report: Callable[[], None], report_every: float) -> None:
        """Search until ``stop()``, calling ``report`` every ``report_every`` seconds."""
        self._set_root(state, pla)
        self.mcts.search(stop=stop, report=report, report_every=report_every)
        report()

    def move_infos(self) -> list[MoveInfo]:
        return self.mcts.move_infos()

    def ownership(self, state: GameState):
        """Who owns each point, (n, n), +1 black, as the final-position judgment sees it."""
        return self.judge(state).ownership


__all__ = ["SearchPlayer"]
