"""AlphaGo's Monte Carlo tree search: PUCT selection with policy priors, leaves valued by a
mix of the value network and a fast rollout, ``V = (1 - lam) * v + lam * z``.

Leaves are gathered a batch at a time under virtual loss and sent to an ``Evaluator`` in
one call; while the network works, a worker thread plays the batch's rollouts (the Numba
kernel releases the GIL). With ``in_flight`` > 1 several batches are out at once: the
next is gathered (under the virtual loss of those still out) while the network works on
the others on other cores (its forward passes release the GIL), which keeps every core
busy where one forward pass uses one. The tree itself is only ever touched by the
searching thread. Network results are cached by position. Finished games (two
passes) are scored exactly. Values are stored per edge from the point of view of the
player choosing the edge, so selection is an argmax at every level.

With ``score_weight`` > 0 selection also weighs the margin (KataGo's score utility):
each leaf's rollout (or exact count) margin m adds ``(2/pi) atan((m - c) / scale)`` to
a second sum per edge, c the margin expected at the root (the previous search's mean
rollout margin). A win rate that hardly moves between a 15-point and a 3-point lead
cannot choose between endgame moves by size, nor guide a side that is behind; the
margin can. Win rates reported, resignation and the LCB use the win/loss value alone.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from tengen.engine.board import PASS
from tengen.engine.coords import index_to_loc, locs_to_indices
from tengen.engine.judge.judgment import JudgeConfig, judge
from tengen.engine.search.state import SimState, terminal_value


@dataclass
class SearchConfig:
    c_puct: float = 1.5
    lam: float = 0.5  # weight of the rollout result in a leaf's value
    # the weight by the leaf's stage: lam while stones cover at most late_fill[0] of the
    # board, lam_late from late_fill[1] on, linear between (None: lam throughout). On the
    # games tengen plays the value net knows the opening and middle game best and can be
    # confidently wrong late (a dead group read alive), where rollouts count it out
    lam_late: float | None = None
    late_fill: tuple[float, float] = (0.25, 0.55)
    batch: int = 8  # leaves per network call
    in_flight: int = 1  # batches out to the network at once (see the module's docstring)
    virtual_loss: float = 1.0  # losses each pending leaf counts for along its path
    # a game ended by two passes inside the tree is counted with its dead stones off, as
    # the referee counts it, by the end-of-game judgment on this many rollouts a colour,
    # rather than by the board as it stands (Tromp-Taylor: every dead stone alive; 0)
    terminal_rollouts: int = 16
    visits: int | None = None  # simulations per move (None: the time budget decides)
    # first-play urgency: an unvisited child starts at its parent's running average (the
    # net's value and every backed-up value below it; never one rollout's coin flip) less
    # fpu_reduction * sqrt(prior mass already visited) (Leela Zero, KataGo). "legacy": the
    # parent's single leaf value less fpu_reduction, the old rule kept for ablations
    fpu: str = "average"
    fpu_reduction: float = 0.2
    root_fpu_reduction: float = 0.1
    # the move played: "lcb" takes the best lower confidence bound among children with at
    # least lcb_min_share of the most visited one's visits; "visits": the most visited
    select: str = "lcb"
    lcb_z: float = 3.0
    lcb_min_share: float = 0.15
    c_puct_log: float = 0.0  # c grows as c_puct + c_puct_log * log((N + base) / base)
    c_puct_base: float = 500.0
    resign_threshold: float = 0.0  # win rate below which to resign (0: never)
    resign_min_moves: int = 60  # moves played before resigning is considered
    pass_policy: str = "safe"  # safe: pass only as judge/pass_rules.py allows; tree: as searched
    reuse_tree: bool = True
    cache_size: int = 100_000
    seed: int = 0  # moves drawn with a temperature (SearchPlayer)
    score_weight: float = 0.0  # weight of the score utility beside the win/loss value
    score_scale: float = 0.0  # points of margin the utility's atan spans (0: the size)


    def uses_rollouts(self) -> bool:
        return self.lam > 0 or (self.lam_late or 0.0) > 0 or self.score_weight > 0

    def leaf_lam(self, empty: int, area: int) -> float:
        """The rollouts' weight at a leaf with ``empty`` of ``area`` points empty."""
        if self.lam_late is None:
            return self.lam
        lo, hi = self.late_fill
        t = min(1.0, max(0.0, (1.0 - empty / area - lo) / (hi - lo)))
        return self.lam + (self.lam_late - self.lam) * t


class Evaluator(Protocol):
    def evaluate(self, states: list[SimState]) -> tuple[np.ndarray, np.ndarray]:
        """Move probabilities ``(len, n*n + 1)`` (row-major points, pass last) and values
        in [-1, 1] for the side to move."""
        ...

    def close(self) -> None:
        """Refuse further calls and release what it holds (called by its owner: one
        evaluator may serve many searches)."""
        ...


class Node:
    __slots__ = ("moves", "prior", "N", "W", "S", "U", "D", "D2", "DN", "children", "value",
                 "net_value", "terminal", "terminal_margin", "pending")

    def __init__(self):
        self.moves: np.ndarray | None = None  # locs, PASS included; None: not expanded
        self.prior = self.N = self.W = self.S = self.U = self.D = self.D2 = self.DN = None
        self.children: dict[int, Node] = {}
        self.value = 0.0  # the leaf value it was expanded with (its player's view)
        self.net_value = 0.0  # the network's part of it, without the rollout's coin flip
        self.terminal: float | None = None
        self.terminal_margin = 0.0  # black-minus-white count of a finished game
        self.pending = False

    @property
    def visits(self) -> float:
        return 0.0 if self.N is None else float(self.N.sum())

    def expand(self, moves: np.ndarray, probs: np.ndarray, size: int, value: float,
               net_value: float | None = None):
        p = probs[locs_to_indices(moves, size)].astype(np.float64) + 1e-6
        self.prior = p / p.sum()
        self.N = np.zeros(len(moves), np.float64)
        self.W = np.zeros(len(moves), np.float64)
        self.S = np.zeros(len(moves), np.float64)  # sums of squared values (the LCB's spread)
        self.U = np.zeros(len(moves), np.float64)  # score utilities (see the module)
        # black-minus-white final margins seen below each edge (rollouts, finished games):
        # their sum, sum of squares and count give the analysis its score and spread
        self.D = np.zeros(len(moves), np.float64)
        self.D2 = np.zeros(len(moves), np.float64)
        self.DN = np.zeros(len(moves), np.float64)
        self.value = value
        self.net_value = value if net_value is None else net_value
        self.moves = moves  # last: a reader (the analysis reporter) tests moves alone

    def child_q(self, i: int) -> float:
        return self.W[i] / self.N[i] if self.N[i] > 0 else float("nan")


@dataclass
class MoveInfo:
    """One root move for analysis output: win rate for the player to move at the root;
    the final margin (black minus white, komi included) the search saw below it, its
    spread, and how many counted games (rollouts, finished games) they come from."""
    loc: int
    visits: int
    winrate: float
    prior: float
    lcb: float
    pv: list[int]
    score_mean: float | None = None
    score_stdev: float | None = None
    ownership: "np.ndarray | None" = None  # after this move, black +1 (the net's output)


class MCTS:
    def __init__(self, evaluator: Evaluator, cfg: SearchConfig | None = None,
                 rollouts=None):
        self.evaluator = evaluator
        self.cfg = cfg or SearchConfig()
        self.rollouts = rollouts  # RolloutPolicy, needed when lam > 0
        if (self.cfg.lam > 0 or (self.cfg.lam_late or 0.0) > 0) and rollouts is None:
            raise ValueError("lam > 0 needs a rollout policy")
        if self.cfg.score_weight > 0 and rollouts is None:
            raise ValueError("the score utility reads rollouts' margins: it needs a "
                             "rollout policy")
        self.score_center = 0.0  # black-minus-white margin the utility is centred on
        self._margins = [0.0, 0]  # this search's rollout margins: sum, count
        self.cache: OrderedDict = OrderedDict()
        self.root: Node | None = None
        self.root_state: SimState | None = None
        self._root_out = None  # virtual losses out on each root edge (see landed())
        self.allow_pass = True
        if self.cfg.in_flight < 1:
            raise ValueError(f"in_flight must be at least 1, not {self.cfg.in_flight}")
        self._pool = ThreadPoolExecutor(1) if self.cfg.uses_rollouts() else None
        self._net_pool = ThreadPoolExecutor(self.cfg.in_flight) if self.cfg.in_flight > 1 \
            else None
        self.stats = {"nn_time": 0.0, "nn_calls": 0, "nn_positions": 0, "simulations": 0,
                      "collisions": 0, "rollout_moves": 0, "wait_rollouts": 0.0}

    # ------------------------------------------------------------------ tree reuse

    def set_root(self, state: SimState, played: list[int] | None = None,
                 allow_pass: bool = True) -> None:
        """Search from ``state``. ``played``: the moves since the last root, to keep the
        subtree they lead to (None: start afresh). ``allow_pass`` False: the root's pass
        is neither searched nor chosen (the player's pass rule has already ruled it out,
        and the tree's count of a finished game, every stone alive, would disagree)."""
        self.allow_pass = allow_pass
        node = self.root if (self.cfg.reuse_tree and played is not None) else None
        for loc in played or []:
            if node is None or node.moves is None:
                node = None
                break
            hits = np.nonzero(node.moves == loc)[0]
            node = node.children.get(int(hits[0])) if len(hits) else None
        self.root = node if node is not None else Node()
        self.root.pending = False
        self._root_out = None  # virtual losses out on each root edge (see landed())
        self.root_state = state
        self.own_sum = np.zeros(state.B.shape[1], np.float64)  # see ownership()
        self.own_count = 0
        if state.empty_count() == state.size * state.size:
            self.score_center = 0.0  # a new game: the last one's margin says nothing

    # ------------------------------------------------------------------ search

    def first_play_value(self, node: Node) -> float:
        """What an unvisited child of ``node`` is taken to be worth (the chooser's view)."""
        cfg = self.cfg
        if cfg.fpu == "legacy":
            return node.value - cfg.fpu_reduction
        n, w, prior = node.N, node.W, node.prior
        if node is self.root and not self.allow_pass and len(node.moves) > 1:
            # a pass the pass rule refused says nothing of the moves left: its visits (a
            # finished game's exact count, often most of the root's) would lift every
            # unvisited move above the visited ones
            keep = node.moves != PASS
            n, w, prior = n[keep], w[keep], prior[keep]
        average = (node.net_value + w.sum()) / (1.0 + n.sum())
        reduction = cfg.root_fpu_reduction if node is self.root else cfg.fpu_reduction
        return average - reduction * math.sqrt(float(prior[n > 0].sum()))

    def c_explore(self, total: float) -> float:
        c = self.cfg
        if c.c_puct_log <= 0:
            return c.c_puct
        return c.c_puct + c.c_puct_log * math.log((total + c.c_puct_base) / c.c_puct_base)

    def _select(self, node: Node) -> int:
        n = node.N
        total = n.sum()
        fpu = self.first_play_value(node)
        w = node.W
        if self.cfg.score_weight > 0:  # utility = win/loss value + weighted score utility
            w = w + self.cfg.score_weight * node.U
            fpu += self.cfg.score_weight * (node.U.sum() / total if total > 0 else 0.0)
        q = np.where(n > 0, w / np.maximum(n, 1e-9), fpu)
        u = self.c_explore(total) * node.prior * (math.sqrt(total + 1.0) / (1.0 + n))
        score = q + u
        if node is self.root and not self.allow_pass and len(node.moves) > 1:
            score[node.moves == PASS] = -np.inf
        return int(np.argmax(score))

    def _descend(self):
        """Walk to a leaf under virtual loss: (path, leaf, state)."""
        vl = self.cfg.virtual_loss
        node = self.root
        s = self.root_state.copy()
        path = []
        while node.moves is not None and node.terminal is None:
            i = self._select(node)
            node.N[i] += vl
            node.W[i] -= vl
            if not path:  # the root's edge: what landed() takes back until it lands
                if self._root_out is None:
                    self._root_out = np.zeros(len(node.moves), np.float64)
                self._root_out[i] += vl
            path.append((node, i))
            s.play(int(node.moves[i]))
            child = node.children.get(i)
            if child is None:
                child = node.children[i] = Node()
            node = child
        return path, node, s

    def _backup(self, path, value: float, applied_vl: bool = True,
                utility: float = 0.0, margin: float | None = None) -> None:
        vl = self.cfg.virtual_loss if applied_vl else 0.0
        if vl and path:
            self._root_out[path[0][1]] -= vl
        v, u = value, utility
        for node, i in reversed(path):
            v, u = -v, -u  # the edge's value is for the player who chose it
            node.N[i] += 1.0 - vl
            node.W[i] += v + vl
            node.S[i] += v * v
            node.U[i] += u
            if margin is not None:  # black's view at every depth: no sign change
                node.D[i] += margin
                node.D2[i] += margin * margin
                node.DN[i] += 1.0

    def score_utility(self, margin: float, to_play: int) -> float:
        """The utility of a black-minus-white ``margin`` for the side ``to_play``."""
        if self.cfg.score_weight <= 0:
            return 0.0
        scale = self.cfg.score_scale or float(self.root_state.size)
        u = (2.0 / math.pi) * math.atan((margin - self.score_center) / scale)
        return u if to_play == 1 else -u

    def _undo_virtual_loss(self, path) -> None:
        vl = self.cfg.virtual_loss
        if path:
            self._root_out[path[0][1]] -= vl
        for node, i in path:
            node.N[i] -= vl
            node.W[i] += vl

    def _cached(self, key):
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
        return hit

    def _remember(self, key, value) -> None:
        self.cache[key] = value
        if len(self.cache) > self.cfg.cache_size:
            self.cache.popitem(last=False)

    def finished_game(self, s: SimState) -> tuple[float, float]:
        """(value for the side to move, black-minus-white margin) of a game the tree ended
        by two passes, counted as the referee counts it: dead stones off, by the end-of-
        game judgment on ``terminal_rollouts`` rollouts a colour (``engine/judge``);
        without them (or without rollouts) by the board as it stands, Tromp-Taylor."""
        k = self.cfg.terminal_rollouts
        if k <= 0 or self.rollouts is None or self._pool is None:
            return terminal_value(s), s.score()
        # on the rollout thread: the rollout policy is not thread-safe
        j = self._pool.submit(judge, _JudgedView(s), self.rollouts,
                              JudgeConfig(rollouts=k)).result()
        v = 0.0 if j.score == 0 else (1.0 if (j.score > 0) == (s.to_play == 1) else -1.0)
        return v, float(j.score)

    def _rollout_values(self, states: list[SimState]) -> list[tuple[float, float]]:
        """Each state's rollout: (result for the side to move, black-minus-white margin)."""
        out = []
        for s in states:
            score, own, moves = self.rollouts.run_arrays(s.B, s.meta, s.zob, s.to_play,
                                                        s.last_move, s.passes, s.komi)
            self.stats["rollout_moves"] += moves
            out.append((0.0 if score == 0 else (1.0 if (score > 0) == (s.to_play == 1)
                                                else -1.0), float(score)))
            if own is not None:  # the territory the analysis shows: every rollout's end
                self.own_sum += own
                self.own_count += 1
        return out

    def run_batch(self) -> int:
        """One round: gather up to ``batch`` leaves, evaluate, back up. Returns how many
        simulations completed."""
        if self.root.moves is None:  # the root is always evaluated first, alone
            leaves = [([], self.root, self.root_state.copy())]
            return self._finish(leaves, self._send(leaves), applied_vl=False)
        leaves, done = self._gather()
        if leaves:
            done += self._finish(leaves, self._send(leaves))
        return done

    def _gather(self):
        """Up to ``batch`` new leaves under virtual loss, ``(leaves, finished)``: games
        that end in the tree are backed up at once and counted in ``finished``."""
        leaves = []
        done = 0
        for _ in range(self.cfg.batch):
            path, node, s = self._descend()
            try:
                if node.terminal is None and s.is_over():
                    node.terminal, node.terminal_margin = self.finished_game(s)
            except BaseException:  # no virtual loss or pending leaf outlives a failure
                self._undo_virtual_loss(path)
                self._abandon(leaves)
                raise
            if node.terminal is not None:
                self._backup(path, node.terminal,
                             utility=self.score_utility(node.terminal_margin, s.to_play),
                             margin=node.terminal_margin)
                done += 1
                continue
            if node.pending:  # a leaf already gathered or out: stop gathering
                self._undo_virtual_loss(path)
                self.stats["collisions"] += 1
                break
            node.pending = True
            leaves.append((path, node, s))
        return leaves, done

    def _send(self, leaves):
        """Start the leaves' evaluation: ``(cache keys, cached results, network job, rollout
        job)``.
        The network runs here, or on the network pool when batches are in flight."""
        try:  # whatever fails here, the leaves are abandoned: none stays pending
            states = [s for _, _, s in leaves]
            area = states[0].size ** 2
            lams = [self.cfg.leaf_lam(s.empty_count(), area) for s in states]
            rollouts = None
            if max(lams) > 0 or self.cfg.score_weight > 0:  # no playout a leaf would not use
                rollouts = self._pool.submit(self._rollout_values, [s.copy() for s in states])
            keys = [s.key() for s in states]
            results = [self._cached(k) for k in keys]
            todo = [i for i, r in enumerate(results) if r is None]
            job = None
            if todo:
                batch = [states[i] for i in todo]
                if self._net_pool is not None:
                    job = self._net_pool.submit(_timed, self.evaluator.evaluate, batch)
                else:
                    job = _timed(self.evaluator.evaluate, batch)
        except BaseException:
            self._abandon(leaves)
            raise
        return keys, results, todo, job, rollouts, lams

    def _abandon(self, leaves) -> None:
        """Leaves whose evaluation failed: take back their virtual loss and pending marks,
        so that the tree stays searchable (the root's path is empty: nothing to undo)."""
        for path, node, _ in leaves:
            node.pending = False
            self._undo_virtual_loss(path)

    def _finish(self, leaves, sent, applied_vl: bool = True) -> int:
        """Wait for what ``_send`` started, expand the leaves, back up their values."""
        keys, results, todo, job, rollouts, lams = sent
        z = None
        try:
            if todo:
                (probs, values), seconds = job.result() if self._net_pool is not None else job
                self.stats["nn_time"] += seconds
                self.stats["nn_calls"] += 1
                self.stats["nn_positions"] += len(todo)
                for j, i in enumerate(todo):
                    results[i] = (probs[j], float(values[j]))
                    self._remember(keys[i], results[i])
            if rollouts is not None:
                t = time.perf_counter()
                z = rollouts.result()
                self.stats["wait_rollouts"] += time.perf_counter() - t
        except BaseException:
            self._abandon(leaves)
            raise
        for k, (path, node, s) in enumerate(leaves):
            p, v = results[k]
            u, margin = 0.0, None
            if z is not None:
                result, margin = z[k]
                v = (1.0 - lams[k]) * v + lams[k] * result
                u = self.score_utility(margin, s.to_play)
                self._margins[0] += margin
                self._margins[1] += 1
            moves = np.append(s.moves(), PASS)
            node.expand(moves, p, s.size, v, results[k][1])
            node.pending = False
            self._backup(path, v, applied_vl, u, margin)
        self.stats["simulations"] += len(leaves)
        return len(leaves)

    def search(self, visits: int | None = None, deadline: float | None = None,
               stop: Callable[[], bool] | None = None,
               report: Callable[[], None] | None = None, report_every: float = 1.0) -> None:
        """Simulate until ``visits`` more simulations, the ``deadline``
        (``time.monotonic``), or ``stop()``; at least the root is evaluated."""
        finished = threading.Event()
        reporter = None
        if report is not None:  # on its own thread, so a slow batch never delays it
            reporter = threading.Thread(target=_report_until,
                                        args=(report, report_every, finished), daemon=True)
            reporter.start()
        self._margins = [0.0, 0]
        try:
            self._search_loop(visits, deadline, stop)
        finally:
            if self._margins[1]:  # the next search's centre: this one's expected margin
                self.score_center = self._margins[0] / self._margins[1]
            finished.set()
            if reporter is not None:
                reporter.join()  # no line of its own after the caller's last one

    def _search_loop(self, visits, deadline, stop) -> None:
        flight: deque = deque()  # (leaves, what _send started), oldest first
        try:
            self._fly(flight, visits, deadline, stop)
        except BaseException:
            self._land(flight)
            raise
        error = self._land(flight)  # no virtual loss or pending leaf outlives the search
        if error is not None:
            raise error

    def _land(self, flight: deque) -> BaseException | None:
        """Finish every batch still out (those that fail are abandoned); the first
        failure, if any."""
        error = None
        while flight:
            try:
                self._finish(*flight.popleft())
            except Exception as e:
                error = error or e
        return error

    def _fly(self, flight: deque, visits, deadline, stop) -> None:
        done = 0
        while True:
            if self.root.moves is None:
                done += self.run_batch()
                continue
            out = sum(len(leaves) for leaves, _ in flight)
            if self._enough(done + out, visits, deadline, stop):
                break
            if len(flight) >= self.cfg.in_flight:
                done += self._finish(*flight.popleft())
                continue
            leaves, finished = self._gather()
            done += finished
            if leaves:
                flight.append((leaves, self._send(leaves)))
            elif flight:  # every path led to a leaf that is out: wait for one
                done += self._finish(*flight.popleft())

    def _enough(self, started: int, visits, deadline, stop) -> bool:
        if visits is not None and started >= visits:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return True
        if stop is not None and stop():
            return True
        if visits is None and deadline is None and stop is None:
            return True
        return len(self.root.moves) == 1  # only pass: nothing to think about

    # ------------------------------------------------------------------ results

    def landed(self) -> tuple[np.ndarray, np.ndarray]:
        """The root's visits and value sums without the virtual loss of leaves still out:
        what the tree says once every batch lands. The time policy's stop tests run
        while a batch is out (two by default), and read the root through this."""
        root = self.root
        if self._root_out is None or not self._root_out.any():
            return root.N, root.W
        return root.N - self._root_out, root.W + self._root_out

    def lcbs(self, node: Node | None = None) -> np.ndarray:
        """Each child's lower confidence bound on its value (the chooser's view, [-1, 1]);
        -inf where unvisited. The spread has a prior of two pseudo-visits at variance 0.5,
        so a child of two lucky visits is not sure of itself."""
        node = node or self.root
        n, w = self.landed() if node is self.root else (node.N, node.W)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = w / np.maximum(n, 1e-9)
            var = (np.maximum(node.S - n * q * q, 0.0) + 2 * 0.5) / (n + 2.0)
            lcb = q - self.cfg.lcb_z * np.sqrt(var / np.maximum(n, 1e-9))
        return np.where(n > 0, lcb, -np.inf)

    def best_index(self, exclude_pass: bool = False) -> int:
        root = self.root
        n, w = self.landed()
        n = n.copy()
        exclude_pass = exclude_pass or not self.allow_pass
        if exclude_pass:
            n[root.moves == PASS] = -1.0
        q = np.where(n > 0, w / np.maximum(n, 1e-9), -2.0)
        order = np.lexsort((-root.prior, -q, -n))  # visits, then value, then prior
        if exclude_pass and len(order) and root.moves[order[0]] == PASS:
            return -1  # only the pass is left
        best = int(order[0]) if len(order) else -1
        if best < 0 or self.cfg.select != "lcb" or n[best] <= 0:
            return best
        # a child exploration alone made popular is not played over a surer one
        lcb = self.lcbs(root)
        if self.cfg.score_weight > 0:  # the bound on the utility selection maximised
            u = root.U / np.maximum(n, 1e-9)
            lcb = lcb + np.where(n > 0, self.cfg.score_weight * u, 0.0)
        lcb[n < max(1.0, self.cfg.lcb_min_share * n[best])] = -np.inf
        if exclude_pass:
            lcb[root.moves == PASS] = -np.inf
        pick = int(np.argmax(lcb))
        return pick if lcb[pick] > lcb[best] else best

    def root_winrate(self) -> float:
        """Win rate of the best move for the player to move at the root, in [0, 1]."""
        i = self.best_index()
        if i < 0 or self.root.N[i] == 0:
            return (self.root.value + 1) / 2
        return (self.root.child_q(i) + 1) / 2

    def principal_variation(self, i: int, limit: int = 12) -> list[int]:
        pv = [int(self.root.moves[i])]
        node = self.root.children.get(i)
        while node is not None and len(pv) < limit:
            moves, n = node.moves, node.N  # read once: the search may be expanding it
            if moves is None or n is None or n.max(initial=0) <= 0:
                break
            j = int(np.argmax(n))
            pv.append(int(moves[j]))
            node = node.children.get(j)
        return pv

    def move_infos(self, limit: int = 20) -> list[MoveInfo]:
        root = self.root
        if root.moves is None:
            return []
        out = []
        order = np.lexsort((-root.prior, -root.N))
        lcbs = self.lcbs(root)
        if not self.allow_pass:  # its visits (from before it was ruled out) say nothing
            order = order[root.moves[order] != PASS]
        for i in order[:limit]:
            n = root.N[i]
            if n <= 0:
                break
            wr = (root.child_q(int(i)) + 1) / 2
            lcb = max(0.0, (lcbs[i] + 1) / 2)
            mean = stdev = None
            if root.DN[i] > 0:
                mean = root.D[i] / root.DN[i]
                stdev = math.sqrt(max(0.0, root.D2[i] / root.DN[i] - mean * mean))
            out.append(MoveInfo(int(root.moves[i]), int(n), wr, float(root.prior[i]), lcb,
                                self.principal_variation(int(i)), mean, stdev))
        return out

    def root_score(self) -> tuple[float, float] | None:
        """(mean, stdev) of the black-minus-white margins below the root, or None."""
        root = self.root
        if root.moves is None or root.DN.sum() <= 0:
            return None
        n = root.DN.sum()
        mean = root.D.sum() / n
        return mean, math.sqrt(max(0.0, root.D2.sum() / n - mean * mean))

    def ownership(self) -> np.ndarray | None:
        """Each point's expected owner, +1 black to -1 white, row-major (size x size): the
        mean over the rollouts of this root's searches; None before any."""
        if not self.own_count:
            return None
        n = self.root_state.size
        own = self.own_sum / self.own_count
        return np.array([own[index_to_loc(i, n)] for i in range(n * n)])

    def close(self) -> None:
        for pool in (self._pool, self._net_pool):
            if pool is not None:
                pool.shutdown(wait=False)


class _JudgedView:
    """A ``SimState`` as the judgment reads a game: its size, komi, colours and board."""

    def __init__(self, s: SimState):
        self.size, self.komi, self.colors = s.size, s.komi, s.colors
        self.board = _BoardArrays(s.B, s.meta, s.zob, s.hash)


@dataclass
class _BoardArrays:
    B: np.ndarray
    meta: np.ndarray
    zob: np.ndarray
    hash: int


def _timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def _report_until(report: Callable[[], None], every: float, finished: threading.Event) -> None:
    """Call ``report`` every ``every`` seconds until ``finished`` is set. It reads the
    tree while the search grows it: a line may mix two moments, and a read that meets a
    node half made skips that tick (the next one reads it whole) rather than end the
    stream (a CI run once got two lines in 120 s: `expand` set `moves` before `N`)."""
    while not finished.wait(every):
        try:
            report()
        except (AttributeError, TypeError, IndexError, KeyError, ValueError):
            continue


__all__ = ["MCTS", "SearchConfig", "Evaluator", "Node", "MoveInfo"]
