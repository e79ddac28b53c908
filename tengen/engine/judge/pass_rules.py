"""The pass and resign rules every player follows, and the moves played instead of passing.

Under area scoring a move inside one's own area costs nothing, so passing can only lose:
a player passes when the count *with the dead stones removed* already wins and nothing
is in doubt, and fills the neutral points first (each one a point under area scoring,
and the count is then the same under any referee's way of handling them). Otherwise it
plays on and lets its move chooser settle what is unclear. In KGS's cleanup phase it first captures the opponent's dead stones.
"""
from __future__ import annotations

from dataclasses import dataclass

from tengen.engine.board import BLACK, EMPTY, PASS
from tengen.engine.coords import loc_to_index
from tengen.engine.judge.judgment import DEAD, Judgment


@dataclass
class ResignRule:
    """Resign once the mover's win probability has stayed below ``threshold`` for
    ``consecutive`` of its own moves in a row, from move ``min_moves`` on (threshold 0:
    never). Keeps its own count of low moves, so one instance per player.

    A player giving ``stones`` handicap stones reads a low win rate from the start (the
    network knows nothing of handicap or komi), which says little about the game: it
    resigns only from move ``min_moves + handicap_moves * stones`` and after at least
    ``handicap_consecutive`` low moves in a row."""
    threshold: float = 0.0
    min_moves: int = 60
    consecutive: int = 1
    handicap_moves: int = 40
    handicap_consecutive: int = 5

    def __post_init__(self):
        self._low = 0

    def resigns(self, winrate: float, moves_played: int, giving_stones: int = 0) -> bool:
        self._low = self._low + 1 if winrate < self.threshold else 0
        min_moves, consecutive = self.min_moves, self.consecutive
        if giving_stones > 0:
            min_moves += self.handicap_moves * giving_stones
            consecutive = max(consecutive, self.handicap_consecutive)
        return (self.threshold > 0 and moves_played >= min_moves
                and self._low >= consecutive)


def opponent_passed(state) -> bool:
    return bool(state.moves) and state.moves[-1].loc == PASS


def may_pass(judgment: Judgment, pla: int) -> bool:
    """Passing ends nothing badly: ``pla`` wins the judged count and it is settled."""
    return judgment.settled() and judgment.wins(pla)


def instead_of_passing(state, pla: int, judgment: Judgment) -> int | None:
    """The move once the opponent has passed (or the player would pass): fill a neutral
    point while the count is settled (a free point under area scoring, and no count
    left to argue about), else PASS if passing wins. None: play on with the player's
    own choice of move (something is in doubt, or the count loses)."""
    if judgment.settled():
        dame = dame_move(state, pla, judgment)
        if dame is not None:
            return dame
    return PASS if may_pass(judgment, pla) else None


def _safe(state, pla: int, loc: int) -> bool:
    """Legal, not an own eye, and not leaving the new stone's chain in atari."""
    if not state.is_legal(loc, pla) or state.board.is_own_eye(loc, pla):
        return False
    state.board.play(loc, pla)
    try:
        return state.board.libs(loc) >= 2
    finally:
        state.board.undo()


def dame_move(state, pla: int, judgment: Judgment) -> int | None:
    """A neutral point (an empty region touching both colours once the dead stones are
    off) that ``pla`` can fill safely; None if there is none. Neighbours of ``pla``'s own
    stones first, since a stone there joins a living chain."""
    dead = set(judgment.dead)
    b = state.board
    w = state.size + 2

    def colour(loc):
        c = b.color(loc)
        return EMPTY if loc in dead else c

    best = None
    for loc in b.empties().tolist():
        near = {colour(nb) for nb in (loc - w, loc - 1, loc + 1, loc + w)}
        if {1, 2} <= near and _neutral(state, loc, colour) and _safe(state, pla, loc):
            if pla in {b.color(nb) for nb in (loc - w, loc - 1, loc + 1, loc + w)}:
                return loc
            best = best or loc
    return best


def _neutral(state, loc: int, colour) -> bool:
    """The empty region through ``loc`` (dead stones counted as empty) reaches both
    colours."""
    w = state.size + 2
    seen, stack, reach = {loc}, [loc], set()
    while stack:
        q = stack.pop()
        for nb in (q - w, q - 1, q + 1, q + w):
            c = colour(nb)
            if c == EMPTY and nb not in seen:
                seen.add(nb)
                stack.append(nb)
            elif c in (1, 2):
                reach.add(c)
    return reach == {1, 2}


def play_on_moves(state, pla: int, judgment: Judgment, moves, own: float = 0.5) -> list[int]:
    """Of ``moves``, those that can still change the count once a player plays on rather
    than pass (the opponent has passed, and the count is in doubt or loses): next to a
    chain in doubt, if any is; else outside ``pla``'s own area (ownership towards ``pla``
    at most ``own``). Never a self-atari. A move inside one's own area gains nothing
    under area scoring and can only spoil an eye; a policy network trained on games
    played to the end fills its area all the same (seen in GNU Go games: a won count,
    B+1.5 when GNU Go passed, lost W+6.5 after 60 such moves)."""
    b = state.board
    n = state.size
    w = n + 2
    sign = 1.0 if pla == BLACK else -1.0
    near = set()
    for loc in judgment.doubt:
        for nb in (loc - w, loc - 1, loc + 1, loc + w):
            if b.color(nb) == EMPTY:
                near.add(nb)
    moves = [int(m) for m in moves]
    if near:
        settle = [m for m in moves if m in near and _safe(state, pla, m)
                  and not _in_own_two_point_eye(state, pla, m)]
        if settle:
            return settle
    own_area = sign * judgment.ownership.reshape(-1)
    return [m for m in moves
            if own_area[loc_to_index(m, n)] <= own and _safe(state, pla, m)]


def _in_own_two_point_eye(state, pla: int, loc: int) -> bool:
    """``loc`` is one of two empty points walled in by ``pla``'s stones (and the edge)
    alone: a stone there leaves one eye where there were two points, and can never make
    a second (a three-point space can, at its middle, so those are left to the chooser).
    Not when a wall chain is in atari: joining it there may be what saves it."""
    b = state.board
    w = state.size + 2
    region, stack = {loc}, [loc]
    while stack:
        q = stack.pop()
        for nb in (q - w, q - 1, q + 1, q + w):
            c = b.color(nb)
            if c == EMPTY and nb not in region:
                if len(region) == 2:
                    return False
                region.add(nb)
                stack.append(nb)
            elif c == 3 - pla or (c == pla and b.libs(nb) < 2):
                return False
    return len(region) == 2


def capture_move(state, pla: int, judgment: Judgment) -> int | None:
    """A liberty of one of the opponent's dead chains that ``pla`` can take (the chain
    with the fewest liberties first), or None when none of its dead stones is left."""
    b = state.board
    w = state.size + 2
    opp = 3 - pla
    best, best_libs = None, None
    for loc in judgment.dead:
        if b.color(loc) != opp:
            continue
        libs = b.libs(loc)
        for nb in (loc - w, loc - 1, loc + 1, loc + w):
            if b.color(nb) == EMPTY and state.is_legal(nb, pla) and not b.is_own_eye(nb, pla):
                if best_libs is None or libs < best_libs:
                    best, best_libs = nb, libs
    return best


def dead_left(state, pla: int, judgment: Judgment) -> bool:
    """Stones of ``pla``'s opponent judged dead are still on the board."""
    return any(state.board.color(loc) == 3 - pla for loc, s in judgment.status.items()
               if s == DEAD)


__all__ = ["ResignRule", "opponent_passed", "may_pass", "instead_of_passing", "dame_move",
           "play_on_moves", "capture_move", "dead_left"]
