"""Asking the player for moves: genmove, KGS's cleanup phase, and analysis streams
(Sabaki's lz-analyze; lz-genmove_analyze)."""
from __future__ import annotations

import sys
import time

from tengen.engine.board import BLACK, PASS
from tengen.engine.coords import loc_to_gtp
from tengen.engine.player import ANALYSIS, CLEANUP, RESIGN
from tengen.engine.move_log import format_move_line
from tengen.engine.gtp.protocol import CommandGroup, GtpError, need, parse_color, parse_int


MAX_INTERVAL = 360_000  # centiseconds between analysis lines: an hour
# kata-analyze's key-value switches: ownership and rootInfo are answered; the others are
# accepted (KataGo's clients send them) and their fields left out, as KataGo's format allows
KATA_SWITCHES = ("ownership", "rootInfo", "ownershipStdev", "movesOwnership",
                 "movesOwnershipStdev", "pvVisits", "pvEdgeVisits", "noResultValue")


class MoveCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "genmove": self.genmove,
            "kgs-genmove_cleanup": self.genmove_cleanup,
            "lz-analyze": self.analyze,
            "analyze": self.analyze,
            "lz-genmove_analyze": self.genmove_analyze,
            "genmove_analyze": self.genmove_analyze,
            "kata-analyze": self.kata_analyze,
            "kata-genmove_analyze": self.kata_genmove_analyze,
        }

    def genmove(self, args):
        need(args, 1)
        return self._genmove(parse_color(args[0]))

    def genmove_cleanup(self, args):
        """KGS's cleanup phase: play on until the opponent's dead stones are captured."""
        need(args, 1)
        return self._genmove(parse_color(args[0]), cleanup=True)

    def _genmove(self, pla: int, *, cleanup: bool = False, **stream) -> str:
        g = self.g
        g.clock.move_start = time.monotonic()
        choice = None if cleanup or stream else g.player.move_while_loading(g.state, pla,
                                                                            g.clock)
        stood_in = choice is not None
        if choice is None:
            player = g.player.ready()
            cleanup = cleanup and CLEANUP in player.abilities  # else an ordinary move
            choice = player.choose(g.state, pla, g.clock, cleanup=cleanup, **stream)
        loc = choice.loc
        spent = time.monotonic() - g.clock.move_start
        g.clock.used[pla] = g.clock.used.get(pla, 0.0) + spent
        # One line a move on stderr, as Leela Zero and KataGo do: Sabaki's console and
        # the arena's engine logs then show what the engine believed at every move.
        print(self._summary(pla, choice, spent), file=sys.stderr, flush=True)
        if stood_in:
            print("tengen: the network's own move: the search is still compiling its kernels "
                  "(first start after an install)", file=sys.stderr, flush=True)
        if loc == RESIGN:
            return "resign"
        if not g.state.is_legal(loc, pla):  # a player bug must not reach the board
            print(f"player chose illegal {loc_to_gtp(loc, g.size)}; passing", file=sys.stderr)
            loc = PASS
        g.state.play(loc, pla)
        g.moved = True
        return loc_to_gtp(loc, g.size)

    def _summary(self, pla: int, choice, spent: float) -> str:
        size = self.g.size
        move = "resign" if choice.loc == RESIGN else loc_to_gtp(choice.loc, size)
        belief = []
        if choice.value is not None:
            belief.append(f"winrate {(choice.value + 1) / 2:.3f}")
        if choice.infos:
            top = ", ".join(f"{loc_to_gtp(m.loc, size)} {m.visits} {m.winrate:.3f}"
                            for m in choice.infos[:3])
            # the played move's line (the lower confidence bound may pick another than
            # the most visited)
            chosen = next((m for m in choice.infos if m.loc == choice.loc), choice.infos[0])
            pv = " ".join(loc_to_gtp(loc, size) for loc in chosen.pv[:8])
            belief.append(f"top {top} pv {pv}")  # move, visits, winrate
        return format_move_line(len(self.g.state.moves) + 1, "BW"[pla - 1], move, spent,
                                " ".join(belief))

    # ------------------------------------------------------------------ analysis

    def _analyst(self):
        """The loaded player, which must be able to analyse."""
        player = self.g.player.ready()
        if ANALYSIS not in player.abilities:
            raise GtpError("needs the search player (tengen gtp --player mcts)")
        return player

    def _begin_stream(self) -> None:
        self.g.write(f"={self.g.ident}\n")
        self.g.streamed = True

    def _analysis_args(self, args, kata: bool = False) -> tuple[int, float, dict]:
        """``[color] [interval]`` then keywords (Sabaki: ``lz-analyze B 50``; KataGo's
        ``kata-analyze B 50 ownership true``); the interval is in centiseconds. Returns
        the player, the interval in seconds and the switches asked for."""
        pla, interval = self.g.state.to_play, 100
        rest = list(args)
        opts = {"ownership": False, "rootInfo": False, "movesOwnership": False}
        if rest and rest[0].lower() in ("b", "w", "black", "white"):
            pla = parse_color(rest.pop(0))
        if rest and rest[0][:1].isdigit():  # a number, or "3x": a syntax error
            interval = parse_int(rest.pop(0), 0, MAX_INTERVAL, what="interval")
        while rest:
            key = rest.pop(0)
            low = key.lower()
            if low == "interval" and rest:
                interval = parse_int(rest.pop(0), 0, MAX_INTERVAL, what="interval")
            elif low in ("minmoves", "maxmoves") and rest:
                parse_int(rest.pop(0), 0, what=low)
            elif kata and key in KATA_SWITCHES and rest:
                value = rest.pop(0).lower()
                if value not in ("true", "false"):
                    raise GtpError(f"{key} takes true or false, not {value}")
                if key in opts:
                    opts[key] = value == "true"
            elif low != "ownership" or kata:
                raise GtpError(f"unsupported analysis argument: {key}")
        return pla, max(interval, 1) / 100.0, opts

    def _info_line(self, player) -> str:
        size = self.g.size
        parts = []
        for k, m in enumerate(player.move_infos(scores=False)):
            pv = " ".join(loc_to_gtp(loc, size) for loc in m.pv)
            parts.append(f"info move {loc_to_gtp(m.loc, size)} visits {m.visits} "
                         f"winrate {round(m.winrate * 10000)} prior {round(m.prior * 10000)} "
                         f"lcb {round(m.lcb * 10000)} order {k} pv {pv}")
        return " ".join(parts)

    def _kata_line(self, player, pla: int, opts: dict) -> str:
        """KataGo's analysis line: win rates as floats in [0, 1], scores in points for
        the player to move (``pla``), from the margins the search's rollouts and
        finished games reached (no score head: ``docs/play.md``)."""
        size, sign = self.g.size, (1.0 if pla == BLACK else -1.0)
        parts = []
        infos = player.move_infos()
        for k, m in enumerate(infos):
            fields = [f"info move {loc_to_gtp(m.loc, size)} visits {m.visits} "
                      f"edgeVisits {m.visits} utility {2 * m.winrate - 1:.6f} "
                      f"winrate {m.winrate:.6f}"]
            if m.score_mean is not None:
                lead = sign * m.score_mean
                fields.append(f"scoreMean {lead:.3f} scoreStdev {m.score_stdev:.3f} "
                              f"scoreLead {lead:.3f} scoreSelfplay {lead:.3f}")
            pv = " ".join(loc_to_gtp(loc, size) for loc in m.pv)
            fields.append(f"prior {m.prior:.6f} lcb {m.lcb:.6f} "
                          f"utilityLcb {2 * m.lcb - 1:.6f} order {k} pv {pv}")
            if opts["movesOwnership"] and m.ownership is not None:
                fields.append("movesOwnership " + " ".join(f"{sign * x:.4f}" for x in m.ownership))
            parts.append(" ".join(fields))
        if not parts:
            return ""
        if opts["rootInfo"]:
            root = player.root_info(infos)
            fields = [f"rootInfo visits {root['visits']} winrate {root['winrate']:.6f} "
                      f"utility {2 * root['winrate'] - 1:.6f}"]
            if root["score"] is not None:
                lead, stdev = sign * root["score"][0], root["score"][1]
                fields.append(f"scoreMean {lead:.3f} scoreStdev {stdev:.3f} "
                              f"scoreLead {lead:.3f} scoreSelfplay {lead:.3f}")
            parts.append(" ".join(fields))
        if opts["ownership"]:
            own = player.ownership()
            if own is not None:
                parts.append("ownership " + " ".join(f"{sign * x:.4f}" for x in own))
        return " ".join(parts)

    def _reporter(self, player, line=None):
        line = line or (lambda: self._info_line(player))

        def report():
            text = line()
            if text:
                self.g.write(text + "\n")
        return report

    def analyze(self, args):
        pla, every, _ = self._analysis_args(args)
        return self._analyze(pla, every, lambda player: self._reporter(player))

    def kata_analyze(self, args):
        pla, every, opts = self._analysis_args(args, kata=True)
        return self._analyze(pla, every, lambda player: self._reporter(
            player, lambda: self._kata_line(player, pla, opts)))

    def _analyze(self, pla: int, every: float, reporter) -> str:
        player = self._analyst()
        self._begin_stream()
        player.analyze(self.g.state, pla, stop=self.g.input_waiting,
                       report=reporter(player), report_every=every)
        return ""

    def genmove_analyze(self, args):
        pla, every, _ = self._analysis_args(args)
        player = self._analyst()
        self._begin_stream()
        move = self._genmove(pla, report=self._reporter(player), report_every=every)
        return f"play {move}"

    def kata_genmove_analyze(self, args):
        pla, every, opts = self._analysis_args(args, kata=True)
        player = self._analyst()
        self._begin_stream()
        move = self._genmove(pla, report=self._reporter(
            player, lambda: self._kata_line(player, pla, opts)), report_every=every)
        return f"play {move}"
