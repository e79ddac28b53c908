"""How long to think about one move, from what the controller said about time.

GTP ``time_settings main byo stones`` is Canadian byo-yomi (``stones`` moves in ``byo``
seconds once ``main`` is spent; ``byo > 0, stones == 0`` means no time limit);
``kgs-time_settings`` adds absolute and Japanese byo-yomi. ``time_left`` overrides our own
bookkeeping when the controller sends it. Without any time command (Sabaki sends none)
a default per-move budget applies.
"""
from __future__ import annotations

from dataclasses import dataclass

from tengen.engine.player import Clock


@dataclass
class TimePolicy:
    default_move_time: float = 5.0  # seconds per move when no time was announced
    safety: float = 0.6  # seconds kept back per move: process, pipes, the opponent's GUI
    # ... but never more than this share of a short allowance: a 2 s period kept 0.6 s
    # besides the fraction's 0.3 s, while a move's measured overrun is 0.02 s (99th pct.)
    safety_share: float = 0.1
    fraction: float = 0.85  # share of a byo-yomi period used
    min_moves_left: int = 25  # main time is spread over at least this many own moves
    floor: float = 0.05
    refused_pass_share: float = 0.25  # see SearchPlayer.refused_pass_deadline
    # stop once the most visited move cannot be caught in the time left, at the rate so far
    # (after this share of the budget), where the time saved is spent later (main time, a
    # Canadian period's later stones) or no clock is kept (a GUI without time settings
    # gets a settled move at once); in a per-move period the saving would be lost
    early_stop: bool = True
    early_stop_after: float = 0.1
    # with main time left, a move whose best is unclear at its budget may search up to
    # this many budgets more (never in byo-yomi, never past the cap on one move)
    extend: float = 1.0


def _byo_allowance(clock: Clock) -> float:
    """Seconds per move the byo-yomi gives once main time is spent (0: none)."""
    if clock.byo_time <= 0:
        return 0.0
    if clock.byo_stones > 0:
        return clock.byo_time / clock.byo_stones
    return clock.byo_time if clock.periods > 0 else 0.0


def _main_left(clock: Clock, pla: int, left: tuple | None) -> float:
    """Main time left: what ``time_left`` said, else the settings less our own count."""
    return left[0] if left is not None else clock.main_time - clock.used.get(pla, 0.0)


def margin(policy: TimePolicy, allowance: float) -> float:
    """Seconds kept back from a move allowed ``allowance`` seconds."""
    # never under 0.1 s (the pass rule's judgment after a search may need it), nor over
    # the full safety
    return min(policy.safety, max(0.1, policy.safety_share * allowance))


def saves_for_later(clock: Clock, pla: int) -> bool:
    """Whether a move that stops early leaves its time to a later move: with main time
    left, or in a Canadian period with more stones to play; not in a per-move period
    (Japanese byo-yomi, a period of one stone). True without a clock: see ``early_stop``."""
    if clock.main_time is None:
        return True
    left = clock.time_left.get(pla)
    if left is not None and left[1] > 0:  # in overtime
        return clock.byo_stones > 0 and left[1] > 1
    main_left = _main_left(clock, pla, left)
    # out of main time with no time_left, each move gets a fixed share: nothing carries over
    return main_left > 0


def move_budget(clock: Clock, pla: int, empty_points: int, policy: TimePolicy) -> float:
    """Seconds to spend on this move, measured from when the genmove arrived."""
    if clock.main_time is None:
        return policy.default_move_time
    left = clock.time_left.get(pla)
    if left is not None and left[1] > 0:  # in overtime
        if clock.periods > 0 and clock.byo_stones == 0:
            # Japanese byo-yomi: KGS sends the period's seconds and the periods left;
            # a move inside one period keeps it, so use most of one period
            per = left[0]
        else:  # Canadian: stones to play in the seconds left
            per = left[0] / left[1]
        return max(policy.floor, per * policy.fraction - margin(policy, per))
    main_left = _main_left(clock, pla, left)
    byo = _byo_allowance(clock)
    if main_left <= 0:
        if byo <= 0:
            return policy.floor  # out of time already: move at once
        return max(policy.floor, byo * policy.fraction - margin(policy, byo))
    moves_left = max(policy.min_moves_left, empty_points / 3)
    budget = main_left / moves_left + byo * policy.fraction
    cap = main_left * 0.5 + byo * policy.fraction  # never stake the whole clock on one move
    allowance = min(budget, cap)
    return max(policy.floor, allowance - margin(policy, allowance))


def move_budget_max(clock: Clock, pla: int, empty_points: int, policy: TimePolicy,
                    budget: float) -> float:
    """The most this move may take when its best move is unclear: ``budget`` without a
    clock, in byo-yomi or out of main time (each period is already mostly used); else up
    to ``1 + extend`` budgets, within the same cap on one move as ``move_budget``."""
    if clock.main_time is None or policy.extend <= 0:
        return budget
    left = clock.time_left.get(pla)
    if left is not None and left[1] > 0:
        return budget
    main_left = _main_left(clock, pla, left)
    if main_left <= 0:
        return budget
    cap = main_left * 0.5 + _byo_allowance(clock) * policy.fraction
    cap -= margin(policy, cap)
    return max(budget, min(budget * (1 + policy.extend), cap))


__all__ = ["TimePolicy", "margin", "move_budget", "move_budget_max", "saves_for_later"]
