"""The clock the controller announces: time_settings, kgs-time_settings, time_left."""
from __future__ import annotations

from tengen.engine.player import Clock
from tengen.engine.gtp.protocol import (MAX_INT, CommandGroup, GtpError, need, parse_color,
                                       parse_float, parse_int)

_SHAPE = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}  # numbers after the kind
_NAMES = {"none": (), "absolute": ("main time",),
          "byoyomi": ("main time", "byo-yomi time", "byo-yomi periods"),
          "canadian": ("main time", "byo-yomi time", "byo-yomi stones")}


class TimeCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "time_settings": self.time_settings,
            "time_left": self.time_left,
            "kgs-time_settings": self.kgs_time_settings,
        }

    def _await_player(self) -> None:
        """A controller announcing a clock is starting a timed game, and the clock runs
        from the first genmove: finish loading now, so loading is never charged to it.
        (Sabaki sends no time commands, so attaching stays instant.)"""
        self.g.player.wait()

    def time_settings(self, args):
        need(args, 3)
        main = parse_int(args[0], 0, what="main time")
        byo = parse_int(args[1], 0, what="byo-yomi time")
        stones = parse_int(args[2], 0, what="byo-yomi stones")
        self._await_player()
        self.g.clock = Clock(main_time=None if byo > 0 and stones == 0 else float(main),
                             byo_time=float(byo), byo_stones=stones)
        return ""

    def time_left(self, args):
        need(args, 3)
        pla = parse_color(args[0])
        seconds = parse_float(args[1], -MAX_INT, MAX_INT, what="time left")
        stones = parse_int(args[2], 0, what="stones left")
        self.g.clock.time_left[pla] = (seconds, stones)
        return ""

    def kgs_time_settings(self, args):
        need(args, 1)
        kind = args[0].lower()
        if kind not in _SHAPE:
            raise GtpError("syntax error")
        need(args, 1 + _SHAPE[kind])
        nums = [parse_int(a, 0, what=what)
                for a, what in zip(args[1:1 + _SHAPE[kind]], _NAMES[kind])]
        self._await_player()
        if kind == "none":
            clock = Clock()
        elif kind == "absolute":
            clock = Clock(main_time=float(nums[0]))
        elif kind == "byoyomi":
            clock = Clock(main_time=float(nums[0]), byo_time=float(nums[1]), periods=nums[2])
        else:
            clock = Clock(main_time=float(nums[0]), byo_time=float(nums[1]),
                          byo_stones=nums[2])
        self.g.clock = clock
        return ""
