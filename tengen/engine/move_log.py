"""The one stderr line ``tengen gtp`` writes a move, and its reader (the arena puts what
the engine believed into each move's SGF comment; game_trace.py and winrate_along.py read
it back).

    tengen: move 41 B Q16 1.73 s winrate 0.612 top Q16 812 0.612, ... pv Q16 R17
"""
from __future__ import annotations

import re

MOVE_LINE = re.compile(r"^tengen: move (\d+) ([BW]) (\S+) [\d.]+ s (.+)$", re.M)
_WINRATE = re.compile(r"\bwinrate ([\d.]+)")


def format_move_line(number: int, colour: str, move: str, seconds: float,
                     belief: str = "") -> str:
    line = f"tengen: move {number} {colour} {move} {seconds:.2f} s"
    return f"{line} {belief}" if belief else line


def last_belief(text: str) -> str | None:
    """What the engine believed at its last move in ``text``, if it wrote a line."""
    found = list(MOVE_LINE.finditer(text))
    return found[-1].group(4).strip() if found else None


def belief_winrate(belief: str | None) -> float | None:
    """The mover's win rate in a belief (a move line's tail, or an arena SGF comment)."""
    m = _WINRATE.search(belief or "")
    return float(m.group(1)) if m else None


__all__ = ["MOVE_LINE", "format_move_line", "last_belief", "belief_winrate"]
