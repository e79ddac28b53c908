"""The tree search as a player: budgets from the clock, the tree kept between moves,
game sense around passing, resigning and cleanup, and analysis for GUIs."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from tengen.engine.board import PASS, WHITE
from tengen.engine.coords import locs_to_indices
from tengen.engine.judge.pass_rules import (ResignRule, capture_move, dead_left, instead_of_passing, may_pass,
                      opponent_passed)
from tengen.engine.game import GameState
from tengen.engine.judge.judgment import Judge
from tengen.engine.search.mcts import MCTS, Evaluator, MoveInfo, SearchConfig
from tengen.engine.player import ANALYSIS, CLEANUP, RESIGN, Clock, MoveChoice, Player, sample_index
from tengen.engine.search.state import SimState
from tengen.engine.search.timecontrol import (TimePolicy, margin, move_budget, move_budget_max,
                                              saves_for_later)


def _either(a: Callable[[], bool] | None, b: Callable[[], bool] | None):
    """A stop test true when either is (None: no test)."""
    if a is None or b is None:
        return a or b
    return lambda: a() or b()


class SearchPlayer(Player):
    name = "mcts"
    abilities = frozenset({ANALYSIS, CLEANUP})

    def __init__(self, evaluator: Evaluator, cfg: SearchConfig | None = None, rollouts=None,
                 time_policy: TimePolicy | None = None, ownership_rollouts=None,
                 judge: Judge | None = None, heads=None):
        self.cfg = cfg or SearchConfig()
        self.mcts = MCTS(evaluator, self.cfg, rollouts)
        self.time_policy = time_policy or TimePolicy()
        self.judge = judge or Judge(ownership_rollouts or rollouts)
        self._judged_seconds = 0.0  # the longest recent judgment, decaying (judge_seconds)
        self.resign = ResignRule(self.cfg.resign_threshold, self.cfg.resign_min_moves)
        self.rng = np.random.default_rng(self.cfg.seed)  # for moves drawn with a temperature
        self._root_key = None  # (size, komi, setup, moves, its player) the root stands for
        self._root_game = None  # the GameState the root stands for, when its side moves
        self.heads = heads  # the net's ownership and score outputs (nets.heads.NetHeads)

    # ------------------------------------------------------------------ tree

    def _set_root(self, state: GameState, pla: int, allow_pass: bool = True) -> SimState:
        s = SimState.from_game(state)
        s.to_play = pla
        setup = tuple((m.pla, m.loc) for m in state.setup)
        moves = tuple((m.pla, m.loc) for m in state.moves)
        key = (state.size, state.komi, setup, pla == state.to_play)
        played = None
        if self._root_key is not None and self._root_key[0] == key and key[3]:
            old = self._root_key[1]
            # the tree's edges alternate colours from its root's player: moves since then
            # that do not (two `play b` in a row, a GUI setting up a position) lead to
            # another position than the node they would walk to
            later = moves[len(old):]
            side = self._root_key[2]
            if moves[:len(old)] == old and all(p == (side if k % 2 == 0 else 3 - side)
                                               for k, (p, _) in enumerate(later)):
                played = [loc for _, loc in later]
        self.mcts.set_root(s, played, allow_pass)
        if len(moves) <= 1:  # a new game (handicap stones, or white's first move too)
            self.mcts.score_center = 0.0
        self._root_key = (key, moves, pla)
        self._root_game = state if pla == state.to_play else None
        return s

    # ------------------------------------------------------------------ playing

    def deadline(self, state: GameState, pla: int, clock: Clock | None) -> float:
        clock = clock or Clock()
        start = clock.move_start if clock.move_start is not None else time.monotonic()
        empties = len(state.board.empties())
        return start + move_budget(clock, pla, empties, self.time_policy)

    def choose(self, state: GameState, pla: int, clock: Clock | None = None, *,
               cleanup: bool = False, temperature: float = 0.0,
               report: Callable[[], None] | None = None, report_every: float = 1.0,
               stop: Callable[[], bool] | None = None) -> MoveChoice:
        early = self._endgame(state, pla, cleanup)
        if early is not None:
            return MoveChoice(early)
        deadline = self.deadline(state, pla, clock)
        now = time.monotonic()
        budget = deadline - now
        # after the opponent's pass, _endgame has ruled passing out: search the moves alone
        safe = self.cfg.pass_policy == "safe"
        self._set_root(state, pla, allow_pass=not (safe and not cleanup
                                                   and opponent_passed(state)))
        timed = self.cfg.visits is None and stop is None  # the clock decides, not visits
        self.timing = {"budget": budget, "early_stop": False, "extended": False}
        settled = (self._settled_stop(now, deadline)
                   if timed and saves_for_later(clock or Clock(), pla) else None)
        judging = self._judgment_stop(state, pla, deadline) if timed and not cleanup else None
        self.mcts.search(visits=self.cfg.visits, deadline=deadline,
                         stop=_either(settled, judging) if timed else stop,
                         report=report, report_every=report_every)
        hard = now + move_budget_max(clock or Clock(), pla, len(state.board.empties()),
                                     self.time_policy, budget)
        # a search that stopped because its move cannot be caught is not extended: the
        # runner-up's share (kept visits of a reused tree among them) says nothing more
        if (timed and not self.timing["early_stop"] and hard > time.monotonic() + 0.05
                and self.unclear()):
            self.timing["extended"] = True  # searched on until clear or the extended limit
            self.mcts.search(deadline=hard, stop=lambda: not self.unclear(), report=report,
                             report_every=report_every)
        loc = self._pick(state, pla, cleanup, temperature)
        if loc is None:  # the search passed where the pass rule says play on: search the moves
            self.mcts.allow_pass = False
            self.mcts.search(visits=self._moves_visits_left(),
                             deadline=self.refused_pass_deadline(deadline, budget),
                             stop=stop, report=report, report_every=report_every)
            loc = self._pick(state, pla, cleanup, temperature)
        return MoveChoice(loc, self._visit_policy(state.size), 2 * self.mcts.root_winrate() - 1,
                          self.mcts.move_infos())

    def _judgment_stop(self, state: GameState, pla: int,
                       deadline: float) -> Callable[[], bool] | None:
        """Once the search ranks a pass first, the pass rule judges it there and then, so
        that a refused pass leaves the rest of the budget to the moves (judged after the
        search, the moves got only what was left past the deadline, often no visits at
        all). Near the deadline the search stops instead, leaving the judgment its
        seconds within the budget: judged after the deadline, moves whose search ranked
        a pass took up to 1.85 s against a budget of 1.5 s, in a 2 s period."""
        if self.cfg.pass_policy != "safe" or not self.mcts.allow_pass:
            return None

        def stop() -> bool:
            mcts = self.mcts
            i = mcts.best_index()
            if i < 0 or mcts.root.moves[i] != PASS or not mcts.allow_pass:
                return False
            if (not self.judge.knows(state)
                    and time.monotonic() >= deadline - self.judge_seconds(state.size)):
                return True
            if instead_of_passing(state, pla, self._judged(state)) is None:
                mcts.allow_pass = False  # refused: the rest of the search is the moves'
            return False
        return stop

    def judge_seconds(self, size: int) -> float:
        """What a new position's judgment is expected to take: the longest of the last
        ones measured here, and no less than 0.5 s on 19x19 (0.17-0.21 s measured on a
        busy 2-core machine), scaled by the board's area."""
        return max(0.5 * size * size / 361, self._judged_seconds)

    def _judged(self, state: GameState):
        """``judge(state)``, timing a judgment that was not remembered."""
        if self.judge.knows(state):
            return self.judge(state)
        t0 = time.monotonic()
        j = self.judge(state)
        self._judged_seconds = max(time.monotonic() - t0, 0.8 * self._judged_seconds)
        return j

    def _top_two(self) -> tuple[int, float, float] | None:
        """(index of the most visited move, its visits, the runner-up's), pass left out
        where it is ruled out; None before two moves exist."""
        root = self.mcts.root
        if root.N is None or len(root.N) < 2:
            return None
        landed, _ = self.mcts.landed()  # a batch is out while the stop tests run
        n = landed if self.mcts.allow_pass else np.where(root.moves == PASS, -1.0, landed)
        i = int(np.argmax(n))
        return i, float(n[i]), float(np.partition(n, -2)[-2])

    def _settled_stop(self, start: float, deadline: float) -> Callable[[], bool] | None:
        """The search's stop test under a clock: true once the most visited move (also
        the one to be played) leads by more visits than the rest of the budget can give
        any other, at the rate measured so far (Leela Zero's time management)."""
        policy = self.time_policy
        if not policy.early_stop:
            return None
        root0 = self.mcts.root.visits
        min_elapsed = policy.early_stop_after * (deadline - start)

        def settled() -> bool:
            now = time.monotonic()
            elapsed = now - start
            top = self._top_two()
            if elapsed < min_elapsed or top is None:
                return False
            i, first, second = top
            rate = (self.mcts.root.visits - root0) / max(elapsed, 1e-9)
            if first - second <= rate * max(0.0, deadline - now):
                return False
            if self.mcts.best_index() != i:
                return False
            self.timing["early_stop"] = True
            return True
        return settled

    def unclear(self) -> bool:
        """The move to play is not the most visited one, or the runner-up has 80% of its
        visits: worth searching on when the clock has time for it."""
        top = self._top_two()
        if top is None:
            return False
        i, first, second = top
        return self.mcts.best_index() != i or second >= 0.8 * first

    def refused_pass_deadline(self, deadline: float, budget: float) -> float:
        """When the rule refuses the pass the search chose, the moves get what is left of
        the same budget (never a second one: under byo-yomi that lost on time), and at
        least a small share of it, taken from the clock's safety margin."""
        policy = self.time_policy
        half = margin(policy, budget) / 2
        extra = min(policy.refused_pass_share * budget, half)
        # never past half the safety margin beyond the budget, however long the pass
        # rule's judgment took after the first search ended
        return min(max(deadline, time.monotonic() + extra), deadline + half)

    def _moves_visits_left(self) -> int | None:
        """Under a fixed visit budget, what the moves lack of it (the pass had the rest)."""
        if self.cfg.visits is None:
            return None
        root = self.mcts.root
        moves_visits = float(root.N[root.moves != PASS].sum()) if root.N is not None else 0.0
        return max(self.cfg.batch, int(self.cfg.visits - moves_visits))

    def _visit_policy(self, size: int) -> np.ndarray:
        """The root's visit counts as a distribution over network indices (pass last)."""
        root = self.mcts.root
        pi = np.zeros(size * size + 1)
        if root.moves is None:
            return pi
        # a pass the rule refused keeps its visits in the tree, not in what was chosen from
        n = root.N if self.mcts.allow_pass else np.where(root.moves == PASS, 0.0, root.N)
        if n.sum() > 0:
            pi[locs_to_indices(root.moves, size)] = n / n.sum()
        return pi

    def _endgame(self, state: GameState, pla: int, cleanup: bool) -> int | None:
        """A move decided by the judgment alone, without searching, once the opponent
        has passed (engine/judge/pass_rules.py); in cleanup, a capture of a dead stone. None:
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
        return instead_of_passing(state, pla, self._judged(state))

    def _pick(self, state: GameState, pla: int, cleanup: bool, temperature: float) -> int | None:
        """The searched move, the pass rule's move instead of a pass, or None where the
        search chose to pass and the rule says play on (the caller searches the moves)."""
        mcts = self.mcts
        i = mcts.best_index()
        if i < 0:
            return PASS
        if temperature > 0:
            n = mcts.root.N if mcts.allow_pass else np.where(mcts.root.moves == PASS, 0,
                                                              mcts.root.N)
            i = sample_index(n, temperature, self.rng)
        loc = int(mcts.root.moves[i])
        if loc == PASS and len(mcts.root.moves) > 1 and self.cfg.pass_policy == "safe":
            if cleanup:
                loc = int(mcts.root.moves[mcts.best_index(exclude_pass=True)])
            else:
                loc = instead_of_passing(state, pla, self._judged(state))
                if loc is None:
                    return None  # before the resign rule counts this move
        giving = len(state.handicap) if pla == WHITE else 0  # handicap stones are black's
        if self.resign.resigns(mcts.root_winrate(), len(state.moves), giving):
            return RESIGN
        return loc

    # ------------------------------------------------------------------ analysis

    def analyze(self, state: GameState, pla: int, stop: Callable[[], bool],
                report: Callable[[], None], report_every: float,
                visits: int | None = None, fresh_tree: bool = False,
                final_report: bool = True) -> None:
        """Search until ``stop()`` (or ``visits`` more simulations), calling ``report``
        every ``report_every`` seconds and once at the end (unless ``final_report`` is
        False). ``fresh_tree``: forget any tree kept from earlier searches, so that
        ``visits`` are all the root's."""
        if fresh_tree:
            self._root_key = None
        self._set_root(state, pla)
        self.mcts.search(visits=visits, stop=stop, report=report, report_every=report_every)
        if final_report:
            report()

    def move_infos(self, scores: bool = True) -> list[MoveInfo]:
        """The root's moves, most visited first; with ``scores``, each move's margin is the
        score output's for the position it leads to where the net has one (else the
        mean margin of the rollouts below it), and its ownership the ownership output's
        there (KataGo's ``movesOwnership``; None without)."""
        infos = self.mcts.move_infos()
        if scores and infos and self.heads is not None and self._root_game is not None:
            children = []
            for m in infos:
                child = self._root_game.copy()
                child.play(m.loc, self._root_game.to_play)
                children.append(child)
            for m, (own, margin) in zip(infos, self.heads.estimate(children)):
                m.ownership = own
                if margin is not None:
                    m.score_mean = margin
                    m.score_stdev = m.score_stdev or 0.0  # the rollouts' spread, where any
        return infos

    def root_info(self, infos: list[MoveInfo] | None = None) -> dict:
        """The whole search: visits, win rate for the player to move, and the (mean,
        stdev) black-minus-white margin below the root: the visit-weighted mean of its
        moves' score outputs where the net has them, else the rollouts' (None without);
        ``infos``: ``move_infos()`` as the caller just read them (else read here)."""
        m = self.mcts
        score = m.root_score()
        if self._net_scores():
            infos = self.move_infos() if infos is None else infos
            visits = np.array([i.visits for i in infos], float)
            if visits.sum() > 0:
                mean = float(np.dot(visits, [i.score_mean for i in infos]) / visits.sum())
                score = (mean, score[1] if score else 0.0)
        return {"visits": int(m.root.visits), "winrate": m.root_winrate(), "score": score}

    def ownership(self):
        """Each point's expected owner, black +1 to white -1, A19 first, row by row: the
        net's ownership output where it has one, else the mean over the rollouts."""
        if self.heads is not None and self.heads.ownership and self._root_game is not None:
            return self.heads.estimate([self._root_game])[0][0]
        return self.mcts.ownership()

    def _net_scores(self) -> bool:
        return self.heads is not None and self.heads.score and self._root_game is not None

    def close(self) -> None:
        self.mcts.close()


__all__ = ["SearchPlayer"]
