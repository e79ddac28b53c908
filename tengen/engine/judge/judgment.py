"""The judgment of a final position: which stones are dead, which live in seki, who owns
each point, and the area count once the dead stones are off. Passing, ``final_score``,
``final_status_list``, ``tengen-ownership`` and the arena's record all ask this one place.

Three layers, surest first:
1. **Benson's pass-alive chains** (unconditional life, no reading needed) are alive, and
   stones inside a region that such chains enclose and fully touch are dead.
2. **Seki**: a shared liberty that either side would fill only by putting its own chain in
   atari (and capturing nothing) is a seki point. Chains whose every liberty is a seki
   point or an eye walled by such chains live in seki whatever rollouts say (rollouts
   fill seki points at random); other chains beside a seki point live in seki unless
   rollouts find them clearly dead.
3. **Rollouts** decide the rest: the position is played out many times with each colour
   to move first (from a fresh game, not "after two passes"), and a chain the opponent
   owns on average beyond ``threshold`` is dead, beyond ``-threshold`` alive. A chain in
   between is *in doubt*: it is counted by the sign of its ownership, and a player must
   not pass while anything is in doubt (it plays on and settles it instead).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tengen.engine.board import BLACK, COLOR, EMPTY, PASS, WHITE, area_score
from tengen.engine.coords import index_to_loc
from tengen.engine.playout import new_rng

ALIVE, DEAD, SEKI = "alive", "dead", "seki"


@dataclass
class JudgeConfig:
    rollouts: int = 192  # per colour to move first
    threshold: float = 0.4  # |mean ownership| of a chain that settles it
    seed: int = 1  # the same position always gets the same judgment


@dataclass
class Judgment:
    size: int
    komi: float
    ownership: np.ndarray  # (n, n) +1 black .. -1 white, dead stones already turned over
    status: dict[int, str] = field(default_factory=dict)  # loc of every stone -> status
    doubt: list[int] = field(default_factory=list)  # stones rollouts could not settle
    score: float = 0.0  # black minus white by area, komi included, dead stones removed

    def stones(self, status: str) -> list[int]:
        return sorted(loc for loc, s in self.status.items() if s == status)

    @property
    def dead(self) -> list[int]:
        return self.stones(DEAD)

    def wins(self, pla: int) -> bool:
        return count_wins(self.score, pla)

    def settled(self) -> bool:
        return not self.doubt


def count_wins(score: float, pla: int) -> bool:
    """A black-minus-white score (komi included) is a win for ``pla``."""
    return score != 0 and (score > 0) == (pla == BLACK)


# ------------------------------------------------------------------ grid helpers


@lru_cache(maxsize=None)
def _neighbours(n: int):
    """Neighbour lists of the n*n grid points (index r*n + c), built once per size."""
    out = []
    for r in range(n):
        for c in range(n):
            nb = []
            if r > 0:
                nb.append((r - 1) * n + c)
            if r < n - 1:
                nb.append((r + 1) * n + c)
            if c > 0:
                nb.append(r * n + c - 1)
            if c < n - 1:
                nb.append(r * n + c + 1)
            out.append(nb)
    return out


def _components(flat: np.ndarray, nbs, member) -> np.ndarray:
    """Label the connected components of the points where ``member(value)`` holds;
    -1 elsewhere."""
    label = np.full(flat.size, -1, np.int64)
    k = 0
    for p in range(flat.size):
        if label[p] >= 0 or not member(flat[p]):
            continue
        label[p] = k
        stack = [p]
        while stack:
            q = stack.pop()
            for nb in nbs[q]:
                if label[nb] < 0 and member(flat[nb]):
                    label[nb] = k
                    stack.append(nb)
        k += 1
    return label


def pass_alive(colors: np.ndarray, pla: int) -> tuple[np.ndarray, np.ndarray]:
    """Benson's algorithm for ``pla``: a mask of its unconditionally alive stones, and a
    mask of the points of regions those chains enclose in which the opponent can never
    live (every empty point there is a liberty of one alive chain)."""
    n = colors.shape[0]
    flat = colors.reshape(-1)
    nbs = _neighbours(n)
    chain = _components(flat, nbs, lambda v: v == pla)
    region = _components(flat, nbs, lambda v: v != pla)
    nchains, nregions = chain.max() + 1, region.max() + 1
    borders = [set() for _ in range(nregions)]  # chains around each region
    vital_to = [set() for _ in range(nregions)]  # chains every empty point of it touches
    empties = [[] for _ in range(nregions)]
    for p in range(flat.size):
        if region[p] >= 0:
            borders[region[p]].update(chain[q] for q in nbs[p] if chain[q] >= 0)
            if flat[p] == EMPTY:
                empties[region[p]].append(p)
    for r in range(nregions):
        vital = set(borders[r])
        for p in empties[r]:
            vital &= {chain[q] for q in nbs[p] if chain[q] >= 0}
        vital_to[r] = vital
    alive = set(range(nchains))
    regions = set(range(nregions))
    while True:
        regions = {r for r in regions if borders[r] <= alive}
        vital_count = dict.fromkeys(alive, 0)
        for r in regions:
            for x in vital_to[r]:
                if x in vital_count:
                    vital_count[x] += 1
        keep = {x for x in alive if vital_count[x] >= 2}
        if keep == alive:
            break
        alive = keep
    alive_mask = np.isin(chain, list(alive)) if alive else np.zeros(flat.size, bool)
    territory = np.zeros(flat.size, bool)
    for r in regions:
        if vital_to[r] & alive:
            territory |= region == r
    return alive_mask.reshape(n, n), territory.reshape(n, n)


# ------------------------------------------------------------------ seki


def _chain(colors: np.ndarray, nbs, p: int, pla: int | None = None) -> tuple[set, set]:
    """Stones and liberties of the chain through ``p``; with ``pla``, of ``pla``'s chain
    once it plays the empty point ``p`` (captures ignored)."""
    flat = colors.reshape(-1)
    pla = flat[p] if pla is None else pla
    seen, libs, stack = {p}, set(), [p]
    while stack:
        q = stack.pop()
        for nb in nbs[q]:
            if flat[nb] == EMPTY and nb != p:
                libs.add(nb)
            elif flat[nb] == pla and nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return seen, libs


def _chain_libs(colors: np.ndarray, nbs, p: int, pla: int | None = None) -> set:
    return _chain(colors, nbs, p, pla)[1]


# In-shape neighbour counts, sorted, of the four- to six-point eye spaces that one
# stone at the vital point leaves as one eye: square and pyramid four, bulky and crossed
# five, rabbity six. Each signature names one shape: a connected shape with as many
# adjacencies as points holds a 2x2 square, and six points whose square has one corner
# of degree 4 are the rabbity six.
_KILLABLE = {(2, 2, 2, 2), (1, 1, 1, 3), (1, 2, 2, 2, 3), (1, 1, 1, 1, 4),
             (1, 1, 2, 2, 2, 4)}


def _nakade(points: set, nbs) -> bool:
    """Is ``points`` an eye space that the opponent kills by playing first in it?"""
    if len(points) <= 3:
        return True
    return tuple(sorted(sum(q in points for q in nbs[p]) for p in points)) in _KILLABLE


def _sacrifice_kills(colors: np.ndarray, nbs, p: int, pla: int, chain: tuple[set, set]) -> bool:
    """Is ``pla`` filling ``p`` a sacrifice that kills? Its chain is left in atari with at
    most three stones, and every opponent chain beside it has no liberty but ``p`` and
    that last one: capturing gives them one eye of at most three points, which ``pla``
    then reduces to one. (A single stone sharing an eyeless group's two liberties is no
    seki: game-0039 of the 1,600-simulation row, where GNU Go and tengen disagreed.)
    Four to six stones kill in the shapes whose eye space one stone spoils (square and
    pyramid four, bulky and crossed five, rabbity six). ``chain``:
    ``_chain(colors, nbs, p, pla)``, which the caller has."""
    flat = colors.reshape(-1)
    stones, libs = chain
    if len(libs) != 1 or not _nakade(stones, nbs):
        return False
    shared = {p} | libs
    return all(_chain_libs(colors, nbs, nb) <= shared
               for q in stones for nb in nbs[q] if flat[nb] == 3 - pla)


def _captures(colors: np.ndarray, nbs, p: int, pla: int) -> bool:
    """Would ``pla`` at ``p`` capture an opponent chain (one in atari next to it)?"""
    flat = colors.reshape(-1)
    return any(flat[nb] == 3 - pla and _chain_libs(colors, nbs, nb) == {p} for nb in nbs[p])


def seki_chains(colors: np.ndarray, points: list[int]) -> set[int]:
    """Grid indices of the stones of chains held in seki: chains next to a seki point
    whose every liberty is a seki point or a one-point eye walled by chains of the set,
    and the seki points kept only while every chain beside them stays in the set.
    Neither side can then play a liberty of the set without putting itself in atari."""
    n = colors.shape[0]
    flat = colors.reshape(-1)
    nbs = _neighbours(n)
    chain = _chains(flat, nbs)
    pts = set(points)
    while True:
        cands = {chain[q] for p in pts for q in nbs[p] if flat[q] != EMPTY}
        keep = set()
        for k in cands:
            stones = np.flatnonzero(chain == k)
            colour = flat[stones[0]]
            libs = {q for s in stones for q in nbs[s] if flat[q] == EMPTY}
            if all(q in pts or all(flat[r] == colour and chain[r] in cands for r in nbs[q])
                   for q in libs):
                keep.add(k)
        kept_pts = {p for p in pts if all(chain[q] in keep for q in nbs[p] if flat[q] != EMPTY)}
        if keep == cands and kept_pts == pts:
            return set(np.flatnonzero(np.isin(chain, list(keep))).tolist()) if keep else set()
        pts = kept_pts


def seki_points(colors: np.ndarray, dead: np.ndarray | None = None) -> list[int]:
    """Empty points (grid index) next to stones of both colours where neither side can
    play without leaving its own chain in atari and without capturing: the shared
    liberties of a seki. None beside a chain that has a liberty where a fill is a
    sacrifice that kills (``_sacrifice_kills``), nor beside a chain that touches an
    opponent chain in atari or ``dead`` (a flat mask of stones clearly dead): capturing
    it gives liberties, and then the fill is safe. Either way that seki can be broken.
    (game-0018 of the three-stone λ = 1 row: two chains shared their only two liberties,
    but five white stones in atari touched the black one; GNU Go called the white chain
    dead, tengen seki.)"""
    n = colors.shape[0]
    flat = colors.reshape(-1)
    nbs = _neighbours(n)
    out, kills = [], set()
    for p in range(flat.size):
        if flat[p] != EMPTY:
            continue
        near = {int(flat[q]) for q in nbs[p]}
        if not {BLACK, WHITE} <= near:
            continue
        fills = {c: _chain(colors, nbs, p, c) for c in (BLACK, WHITE)}
        if not all(len(fills[c][1]) <= 1 and not _captures(colors, nbs, p, c)
                   for c in (BLACK, WHITE)):
            continue
        if any(_sacrifice_kills(colors, nbs, p, c, fills[c]) for c in (BLACK, WHITE)):
            kills.add(p)
        else:
            out.append(p)
    if kills:
        out = [p for p in out if not any(_chain_libs(colors, nbs, q) & kills
                                         for q in nbs[p] if flat[q] != EMPTY)]
    if not out:
        return out
    # chains that can be captured: in atari, or clearly dead, unless a seki partner
    # (rollouts fill seki points at random, so they call seki chains dead)
    chain = _chains(flat, nbs)
    partners = {chain[q] for p in out for q in nbs[p] if flat[q] != EMPTY}
    first = {}  # one stone of each chain
    for q in np.flatnonzero(flat != EMPTY):
        first.setdefault(chain[q], int(q))
    capturable = {k for k, q in first.items() if len(_chain_libs(colors, nbs, q)) == 1
                  or (dead is not None and dead[q] and k not in partners)}
    gains = {chain[r] for q in range(flat.size) if chain[q] in capturable
             for r in nbs[q] if flat[r] == 3 - flat[q]}
    return [p for p in out if not any(chain[q] in gains for q in nbs[p] if flat[q] != EMPTY)]


# ------------------------------------------------------------------ the judgment


def rollout_ownership(state, rollouts, count: int, seed: int) -> np.ndarray:
    """Mean ownership (n, n), +1 black, over ``count`` rollouts with black to move first
    and ``count`` with white first, started as a fresh game (no passes pending), so that
    a finished game is still played out."""
    b = state.board
    n = state.size
    saved = rollouts.rng
    rollouts.rng = new_rng(seed)
    try:
        total = np.zeros(b.B.shape[1])
        for pla in (BLACK, WHITE):
            _, own, _ = rollouts.run_arrays(b.B, b.meta, b.zob, pla, PASS, 0, state.komi, count)
            total += own
    finally:
        rollouts.rng = saved
    return (total / 2).reshape(n + 2, n + 2)[1:-1, 1:-1].copy()


def judge(state, rollouts, cfg: JudgeConfig | None = None,
          ownership: np.ndarray | None = None) -> Judgment:
    """Dead stones, seki, ownership and the count of ``state`` (a ``GameState``);
    ``ownership``: (n, n), +1 black, to judge by instead of the rollouts' (another
    estimate's verdict, as ``tools/judge_agreement.py`` compares them)."""
    cfg = cfg or JudgeConfig()
    n = state.size
    colors = state.colors()
    flat = colors.reshape(-1)
    nbs = _neighbours(n)
    own = (rollout_ownership(state, rollouts, cfg.rollouts, cfg.seed) if ownership is None
           else np.asarray(ownership, float).reshape(n, n))
    sure_alive = np.zeros((n, n), bool)
    sure_dead = np.zeros((n, n), bool)
    for pla in (BLACK, WHITE):
        alive, territory = pass_alive(colors, pla)
        sure_alive |= alive
        sure_dead |= territory & (colors == 3 - pla)
    chain = _chains(flat, nbs)
    status_grid = np.empty(n * n, object)
    doubt = []
    for k in range(chain.max() + 1):
        pts = np.flatnonzero(chain == k)
        sign = 1.0 if flat[pts[0]] == BLACK else -1.0
        mean = sign * float(own.reshape(-1)[pts].mean())
        if sure_alive.reshape(-1)[pts[0]]:
            s = ALIVE
        elif sure_dead.reshape(-1)[pts[0]]:
            s = DEAD
        elif mean >= cfg.threshold:
            s = ALIVE
        elif mean <= -cfg.threshold:
            s = DEAD
        else:  # counted by its sign; the player settles it before passing
            s = DEAD if mean < 0 else ALIVE
            doubt.extend(pts.tolist())
        status_grid[pts] = s
    # Rollouts break sekis at random (someone fills a shared liberty): chains held in
    # seki live whatever rollouts say, and a shared liberty between chains that are not
    # clearly dead keeps both alive.
    sure = status_grid == DEAD
    sure[doubt] = False
    points = seki_points(colors, sure)
    for p in seki_chains(colors, points):
        status_grid[p] = SEKI
    clear_dead = status_grid == DEAD
    clear_dead[doubt] = False
    for p in points:
        around = [q for q in nbs[p] if flat[q] != EMPTY]
        if not clear_dead[around].any():
            for q in around:
                status_grid[chain == chain[q]] = SEKI
    doubt = [p for p in doubt if status_grid[p] != SEKI]
    status = {index_to_loc(p, n): status_grid[p] for p in range(n * n) if flat[p] != EMPTY}
    dead = [loc for loc, s in status.items() if s == DEAD]
    score = score_without(state, dead)
    shown = own.copy().reshape(-1)
    for p in range(n * n):  # the display agrees with the verdict
        if flat[p] != EMPTY and status_grid[p] == DEAD:
            shown[p] = -1.0 if flat[p] == BLACK else 1.0
    return Judgment(n, state.komi, shown.reshape(n, n), status,
                    sorted(index_to_loc(p, n) for p in doubt), score)


def _chains(flat: np.ndarray, nbs) -> np.ndarray:
    """Chains (connected stones of one colour) labelled 0..k-1; -1 on empty points."""
    black = _components(flat, nbs, lambda v: v == BLACK)
    white = _components(flat, nbs, lambda v: v == WHITE)
    return np.where(white >= 0, white + black.max() + 1, black)


class Judge:
    """``judge`` with its rollouts and settings, remembering recent positions so that
    ``final_score``, ``final_status_list`` and a pass decision on the same position cost
    one judgment and always agree."""

    def __init__(self, rollouts=None, cfg: JudgeConfig | None = None, memory: int = 32,
                 weights: str | None = None):
        self._rollouts = rollouts
        self._weights = weights  # rollout weights file when ``rollouts`` is not given
        self.cfg = cfg or JudgeConfig()
        self._memory = memory
        self._seen: dict[tuple, Judgment] = {}

    @property
    def rollouts(self):
        if self._rollouts is None:  # loaded on first use: GTP starts without it
            from tengen.engine.rollout.policy import RolloutPolicy, load_weights
            self._rollouts = RolloutPolicy(load_weights(self._weights)[0], seed=self.cfg.seed)
        return self._rollouts

    @staticmethod
    def _key(state) -> tuple:
        return (state.size, state.komi, state.board.hash)

    def knows(self, state) -> bool:
        """Whether this position's judgment is remembered (a call would cost nothing)."""
        return self._key(state) in self._seen

    def __call__(self, state) -> Judgment:
        key = self._key(state)
        if key not in self._seen:
            if len(self._seen) >= self._memory:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = judge(state, self.rollouts, self.cfg)
        return self._seen[key]


def score_without(state, dead: list[int]) -> float:
    """Black minus white by area (komi included) once ``dead`` stones are taken off.
    The area count reads colours only, so a copy with them blanked out is enough."""
    b = state.board
    B = b.B.copy()
    B[COLOR, dead] = EMPTY
    return float(area_score(B, b.meta.copy())) - state.komi


__all__ = ["Judge", "JudgeConfig", "Judgment", "judge", "pass_alive", "seki_points", "seki_chains", "score_without",
           "rollout_ownership", "count_wins", "ALIVE", "DEAD", "SEKI"]
