"""The referee's game clock: each side's time kept by the match, as a server would.

A time system is written as KGS writes it (``kgs-time_settings``): ``none``,
``absolute MAIN``, ``byoyomi MAIN PERIOD PERIODS`` (Japanese) or
``canadian MAIN PERIOD STONES``. The match tells each engine the system, sends
``time_left`` before every ``genmove`` and charges the time it measured around the
command, pipes included; a side whose clock runs out loses on time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}


@dataclass(frozen=True)
class TimeSystem:
    kind: str = "none"
    main: float = 0.0
    period: float = 0.0  # byoyomi: length of a period; canadian: time for STONES moves
    count: int = 0  # byoyomi: periods; canadian: stones per period

    @classmethod
    def parse(cls, spec: str) -> "TimeSystem":
        words = spec.split()
        if not words or words[0].lower() not in KINDS:
            raise ValueError(f"time system {spec!r}: expected none, absolute MAIN, "
                             "byoyomi MAIN PERIOD PERIODS or canadian MAIN PERIOD STONES")
        kind = words[0].lower()
        if len(words) != 1 + KINDS[kind]:
            raise ValueError(f"time system {spec!r}: {kind} takes {KINDS[kind]} numbers")
        nums = [float(w) for w in words[1:]]
        if any(v < 0 for v in nums) or (kind != "none" and kind != "absolute"
                                        and (nums[1] <= 0 or nums[2] < 1)):
            raise ValueError(f"time system {spec!r}: a period needs positive time and count")
        main = nums[0] if nums else 0.0
        if kind == "absolute" and main <= 0:
            raise ValueError(f"time system {spec!r}: absolute time must be positive")
        return cls(kind, main, nums[1] if len(nums) > 1 else 0.0,
                   int(nums[2]) if len(nums) > 2 else 0)

    def kgs_command(self) -> str:
        args = {"none": "", "absolute": f" {self.main:g}"}.get(
            self.kind, f" {self.main:g} {self.period:g} {self.count}")
        return f"kgs-time_settings {self.kind}{args}"

    def gtp_command(self) -> str:
        """Standard GTP (Canadian only). Japanese byo-yomi becomes one stone per period:
        stricter than the real clock, so an engine that keeps to it never flags."""
        if self.kind == "none":
            return "time_settings 0 1 0"
        if self.kind == "absolute":
            return f"time_settings {self.main:g} 0 0"
        stones = 1 if self.kind == "byoyomi" else self.count
        return f"time_settings {self.main:g} {self.period:g} {stones}"


class SideClock:
    """One player's clock under a ``TimeSystem``."""

    def __init__(self, system: TimeSystem):
        self.system = system
        self.main_left = system.main
        self.periods_left = system.count if system.kind == "byoyomi" else 0
        self.period_left = system.period  # canadian: seconds left in the current period
        self.stones_left = system.count if system.kind == "canadian" else 0
        self.flagged = False
        # the engine was told Japanese byo-yomi as standard GTP (``gtp_command``: one
        # stone a period), so its time_left must say one stone, not the periods left
        self.standard_gtp = False

    @property
    def in_overtime(self) -> bool:
        return self.system.kind in ("byoyomi", "canadian") and self.main_left <= 0

    def time_left(self) -> tuple[float, int]:
        """GTP ``time_left`` arguments: seconds, and stones (0 in main time). In Japanese
        byo-yomi the stones are the periods left, as KGS sends them (one, to an engine
        told the clock in standard GTP)."""
        if not self.in_overtime:
            return max(0.0, self.main_left), 0
        if self.system.kind == "byoyomi":
            return self.system.period, 1 if self.standard_gtp else self.periods_left
        return max(0.0, self.period_left), self.stones_left

    def max_think(self) -> float | None:
        """The longest a move can take before this clock flags (None: no limit)."""
        kind, s = self.system.kind, self.system
        if kind == "none":
            return None
        if kind == "absolute":
            return max(0.0, self.main_left)
        if kind == "byoyomi":
            return max(0.0, self.main_left) + self.periods_left * s.period
        return max(0.0, self.main_left) + max(0.0, self.period_left)

    def charge(self, seconds: float) -> bool:
        """Charge one move's time; True when the clock ran out (the side loses)."""
        kind, s = self.system.kind, self.system
        if kind == "none":
            return False
        spill = seconds
        if self.main_left > 0 or kind == "absolute":
            use = min(spill, self.main_left) if kind != "absolute" else spill
            self.main_left -= use
            spill -= use
            if kind == "absolute":
                self.flagged = self.main_left < 0
                return self.flagged
            if spill <= 0:
                return False
        if kind == "byoyomi":
            # each whole period that runs out is lost; a move inside a period keeps it
            lost = max(0, math.ceil(spill / s.period) - 1)
            self.periods_left -= lost
            self.flagged = self.periods_left <= 0
            return self.flagged
        self.period_left -= spill
        if self.period_left < 0:
            self.flagged = True
            return True
        self.stones_left -= 1
        if self.stones_left == 0:
            self.period_left, self.stones_left = s.period, s.count
        return False


__all__ = ["TimeSystem", "SideClock"]
