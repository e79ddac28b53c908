"""GTP v2 engine side: input cleaning, a table from command name to handler, responses.

Every handler takes the argument list and returns the response text or raises
``GtpError`` with the message. Handlers never see ids, comments or control characters,
and nothing but responses is written to the output stream.
"""
from __future__ import annotations

import os
import queue
import re
import sys
import threading
import time
import traceback
from typing import BinaryIO, Callable

from .. import __version__
from .board import BLACK, MAX_SIZE, MIN_SIZE, PASS, WHITE
from .coords import CoordError, GTP_COLUMNS, gtp_to_loc, loc_to_gtp
from .game import GameState, IllegalMove, score_string
from .handicap import fixed_handicap, free_handicap
from .judge import Judge, Judgment
from .players import RESIGN, Clock, Player, RandomPlayer
from .sgf import SgfError, game_to_sgf, read_sgf

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # all but HT (LF is the line end)


class GtpError(Exception):
    """The text after ``?`` in a failure response."""


def clean_line(raw: str) -> str:
    """GTP 2 section 3.1 preprocessing: drop control characters (CR included) except HT,
    cut comments, turn HT into space, strip."""
    line = _CONTROL.sub("", raw.rstrip("\n"))
    line = line.split("#", 1)[0]
    return line.replace("\t", " ").strip()


def parse_color(text: str) -> int:
    t = text.lower()
    if t in ("b", "black"):
        return BLACK
    if t in ("w", "white"):
        return WHITE
    raise GtpError("syntax error")


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise GtpError("syntax error") from None


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise GtpError("syntax error") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise GtpError("syntax error")
    return value


def _need(args: list[str], n: int) -> None:
    if len(args) < n:
        raise GtpError("syntax error")


def _raw_lines(inp: BinaryIO):
    """Input lines, read from the file descriptor when there is one: a thread blocked in
    a buffered read holds the buffer's lock, and Python aborts at exit ("could not
    acquire lock for stdin") if it is still waiting there."""
    try:
        fd = inp.fileno()
    except (AttributeError, OSError, ValueError):
        yield from inp
        return
    buf = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            if buf:
                yield buf
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line + b"\n"


class GtpEngine:
    def __init__(self, player: Player | None = None, size: int = 19, komi: float = 7.5,
                 name: str = "tengen", judge: Judge | None = None):
        self.player = player or RandomPlayer()
        self.judge = judge or Judge()  # dead stones, seki and the count of a position
        self.name = name
        self.komi = komi
        self.state = GameState(size, komi)
        self.clock = Clock()
        self.done = False
        self.write: Callable[[str], None] = lambda text: None  # streamed output
        self.input_waiting: Callable[[], bool] = lambda: True  # ends a stream when true
        self._ident = ""
        self._streamed = False
        self.commands: dict[str, Callable[[list[str]], str]] = {
            "protocol_version": lambda a: "2",
            "name": lambda a: self.name,
            "version": lambda a: __version__,
            "known_command": self.cmd_known_command,
            "list_commands": lambda a: "\n".join(self.commands),
            "quit": self.cmd_quit,
            "boardsize": self.cmd_boardsize,
            "clear_board": self.cmd_clear_board,
            "komi": self.cmd_komi,
            "play": self.cmd_play,
            "genmove": self.cmd_genmove,
            "undo": self.cmd_undo,
            "is_legal": self.cmd_is_legal,
            "showboard": self.cmd_showboard,
            "final_score": self.cmd_final_score,
            "final_status_list": self.cmd_final_status_list,
            "time_settings": self.cmd_time_settings,
            "time_left": self.cmd_time_left,
            "kgs-time_settings": self.cmd_kgs_time_settings,
            "fixed_handicap": self.cmd_fixed_handicap,
            "place_free_handicap": self.cmd_place_free_handicap,
            "set_free_handicap": self.cmd_set_free_handicap,
            "loadsgf": self.cmd_loadsgf,
            "printsgf": self.cmd_printsgf,
            "gogui-analyze_commands": self.cmd_analyze_commands,
            "kgs-genmove_cleanup": self.cmd_genmove_cleanup,
            "lz-analyze": self.cmd_analyze,
            "analyze": self.cmd_analyze,
            "lz-genmove_analyze": self.cmd_genmove_analyze,
            "genmove_analyze": self.cmd_genmove_analyze,
            "tengen-ownership": self.cmd_ownership,
        }

    # ------------------------------------------------------------------ protocol

    def handle_line(self, raw: str) -> str | None:
        """One input line to one full response (``=...\\n\\n`` or ``?...\\n\\n``), or None
        for a line GTP says to ignore."""
        line = clean_line(raw)
        if not line:
            return None
        tokens = line.split()
        ident = ""
        if tokens[0].isdigit():
            ident = tokens.pop(0)
            if not tokens:
                return f"?{ident} syntax error\n\n"
        name, args = tokens[0], tokens[1:]
        handler = self.commands.get(name)
        self._ident, self._streamed = ident, False
        try:
            if handler is None:
                raise GtpError("unknown command")
            text = handler(args)
            ok = True
        except GtpError as e:
            text, ok = str(e), False
        except Exception as e:  # a bug must cost one answer, never the session
            traceback.print_exc(file=sys.stderr)
            text, ok = f"internal error: {type(e).__name__}", False
        if self._streamed:  # the "=" line and the stream are out: finish the response
            if not ok:
                print(f"tengen: {name} failed while streaming: {text}", file=sys.stderr)
                text = ""
            text = text.strip("\n")
            return f"{text}\n\n" if text else "\n"
        while "\n\n" in text:  # an empty line would end the response early
            text = text.replace("\n\n", "\n")
        text = text.rstrip("\n")
        sep = " " if text else ""
        return f"{'=' if ok else '?'}{ident}{sep}{text}\n\n"

    def serve(self, inp: BinaryIO, out: BinaryIO) -> None:
        """Read commands until ``quit`` or end of input. A reader thread queues input
        lines, so a streaming command (analysis) stops as soon as the next one arrives."""
        lines: queue.Queue = queue.Queue()

        def reader():
            for raw in _raw_lines(inp):
                lines.put(raw.decode("latin-1"))
            lines.put(None)

        threading.Thread(target=reader, daemon=True).start()

        def write(text: str) -> None:
            out.write(text.encode("ascii", "replace"))
            out.flush()

        self.write = write
        self.input_waiting = lambda: not lines.empty()
        while not self.done:
            raw = lines.get()
            if raw is None:
                break
            response = self.handle_line(raw)
            if response is not None:
                write(response)
                start = getattr(self.player, "start", None)
                if start is not None:
                    start()  # background loading begins once the first answer is out

    # ------------------------------------------------------------------ helpers

    @property
    def size(self) -> int:
        return self.state.size

    def _vertex(self, text: str) -> int:
        try:
            return gtp_to_loc(text, self.size)
        except CoordError:
            if (len(text) >= 2 and text[0].upper() in GTP_COLUMNS and text[1:].isdigit()):
                raise GtpError("illegal move") from None  # well formed, but off this board
            raise GtpError("syntax error") from None

    def _new_game(self, size: int) -> None:
        self.state = GameState(size, self.komi)

    def _require_empty(self) -> None:
        if not self.state.is_empty() or self.state.moves:
            raise GtpError("board not empty")

    def _place_handicap(self, locs: list[int]) -> None:
        self.state.place_setup(BLACK, locs, handicap=True)
        self.state.to_play = WHITE

    # ------------------------------------------------------------------ commands

    def cmd_known_command(self, args):
        _need(args, 1)
        return "true" if args[0] in self.commands else "false"

    def cmd_quit(self, args):
        self.done = True
        return ""

    def cmd_boardsize(self, args):
        _need(args, 1)
        size = parse_int(args[0])
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise GtpError("unacceptable size")
        self._new_game(size)
        return ""

    def cmd_clear_board(self, args):
        self._new_game(self.size)
        return ""

    def cmd_komi(self, args):
        _need(args, 1)
        self.komi = parse_float(args[0])
        self.state.komi = self.komi
        return ""

    def cmd_play(self, args):
        _need(args, 2)
        pla = parse_color(args[0])
        loc = self._vertex(args[1])
        try:
            self.state.play(loc, pla)
        except IllegalMove:
            raise GtpError("illegal move") from None
        return ""

    def cmd_genmove(self, args):
        _need(args, 1)
        return self._genmove(parse_color(args[0]))

    def cmd_genmove_cleanup(self, args):
        """KGS's cleanup phase: play on until the opponent's dead stones are captured."""
        _need(args, 1)
        return self._genmove(parse_color(args[0]), cleanup=True)

    def _genmove(self, pla: int, **kwargs) -> str:
        self.clock.move_start = time.monotonic()
        player = self._loaded_player()
        if kwargs and hasattr(player, "analyze"):
            loc = player.choose_move(self.state, pla, self.clock, **kwargs)
        else:
            loc = self.player.choose_move(self.state, pla, self.clock)
        self.clock.used[pla] = (self.clock.used.get(pla, 0.0)
                                + time.monotonic() - self.clock.move_start)
        if loc == RESIGN:
            return "resign"
        if not self.state.is_legal(loc, pla):  # a player bug must not reach the board
            print(f"player chose illegal {loc_to_gtp(loc, self.size)}; passing",
                  file=sys.stderr)
            loc = PASS
        self.state.play(loc, pla)
        return loc_to_gtp(loc, self.size)

    def _loaded_player(self):
        """The player behind ``self.player``, waiting for a background load."""
        return self.player.ready() if hasattr(self.player, "ready") else self.player

    def _search_player(self):
        """The tree-search player behind ``self.player``."""
        player = self._loaded_player()
        if not hasattr(player, "analyze"):
            raise GtpError("needs the search player (tengen gtp --player mcts)")
        return player

    # ------------------------------------------------------------------ analysis

    def _begin_stream(self) -> None:
        self.write(f"={self._ident}\n")
        self._streamed = True

    def _analysis_args(self, args) -> tuple[int, float]:
        """``[color] [interval]`` then keywords (Sabaki: ``lz-analyze B 50``); the
        interval is in centiseconds."""
        pla, interval = self.state.to_play, 100
        rest = list(args)
        if rest and rest[0].lower() in ("b", "w", "black", "white"):
            pla = parse_color(rest.pop(0))
        if rest and rest[0].isdigit():
            interval = int(rest.pop(0))
        while rest:
            key = rest.pop(0).lower()
            if key == "interval" and rest:
                interval = parse_int(rest.pop(0))
            elif key in ("minmoves", "maxmoves") and rest:
                rest.pop(0)
            elif key not in ("ownership",):
                raise GtpError(f"unsupported analysis argument: {key}")
        return pla, max(interval, 1) / 100.0

    def _info_line(self, player) -> str:
        parts = []
        for k, m in enumerate(player.move_infos()):
            pv = " ".join(loc_to_gtp(loc, self.size) for loc in m.pv)
            parts.append(f"info move {loc_to_gtp(m.loc, self.size)} visits {m.visits} "
                         f"winrate {round(m.winrate * 10000)} prior {round(m.prior * 10000)} "
                         f"lcb {round(m.lcb * 10000)} order {k} pv {pv}")
        return " ".join(parts)

    def _reporter(self, player):
        def report():
            line = self._info_line(player)
            if line:
                self.write(line + "\n")
        return report

    def cmd_analyze(self, args):
        pla, every = self._analysis_args(args)
        player = self._search_player()
        self._begin_stream()
        player.analyze(self.state, pla, stop=self.input_waiting,
                       report=self._reporter(player), report_every=every)
        return ""

    def cmd_genmove_analyze(self, args):
        pla, every = self._analysis_args(args)
        player = self._search_player()
        self._begin_stream()
        move = self._genmove(pla, report=self._reporter(player), report_every=every)
        return f"play {move}"

    def _judgment(self) -> Judgment:
        return self.judge(self.state)

    def cmd_ownership(self, args):
        own = self._judgment().ownership
        n = self.size
        return "INFLUENCE " + " ".join(
            f"{loc_to_gtp((r + 1) * (n + 2) + c + 1, n)} {own[r, c]:.2f}"
            for r in range(n) for c in range(n))

    def cmd_undo(self, args):
        if not self.state.moves:
            raise GtpError("cannot undo")
        self.state.undo()
        return ""

    def cmd_is_legal(self, args):
        _need(args, 2)
        pla = parse_color(args[0])
        try:
            loc = gtp_to_loc(args[1], self.size)
        except CoordError:
            return "0"
        return "1" if self.state.is_legal(loc, pla) else "0"

    def cmd_showboard(self, args):
        size = self.size
        letters = " ".join(GTP_COLUMNS[:size])
        colors = self.state.colors()
        rows = [f"   {letters}"]
        for r in range(size):
            n = size - r
            cells = " ".join(".XO"[int(v)] for v in colors[r])
            rows.append(f"{n:2d} {cells} {n:2d}")
        rows.append(f"   {letters}")
        to_play = "Black" if self.state.to_play == BLACK else "White"
        rows.append(f"{to_play} to play, komi {self.state.komi:g}, move {len(self.state.moves)}")
        return "\n" + "\n".join(rows)

    def cmd_final_score(self, args):
        """Area count once the stones judged dead are off (engine/judge.py)."""
        return score_string(self._judgment().score)

    def cmd_final_status_list(self, args):
        _need(args, 1)
        status = args[0].lower()
        if status not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        return " ".join(loc_to_gtp(loc, self.size) for loc in self._judgment().stones(status))

    def _await_player_for_clock(self) -> None:
        """A controller announcing a clock is starting a timed game, and the clock runs
        from the first genmove: finish loading now, so loading is never charged to it.
        (Sabaki sends no time commands, so attaching stays instant.)"""
        wait = getattr(self.player, "wait", None)
        if wait is not None:
            wait()

    def cmd_time_settings(self, args):
        _need(args, 3)
        self._await_player_for_clock()
        main, byo, stones = parse_int(args[0]), parse_int(args[1]), parse_int(args[2])
        if main < 0 or byo < 0 or stones < 0:
            raise GtpError("syntax error")
        self.clock = Clock(main_time=None if byo > 0 and stones == 0 else float(main),
                           byo_time=float(byo), byo_stones=stones)
        return ""

    def cmd_time_left(self, args):
        _need(args, 3)
        pla = parse_color(args[0])
        seconds, stones = parse_float(args[1]), parse_int(args[2])
        self.clock.time_left[pla] = (seconds, stones)
        return ""

    def cmd_kgs_time_settings(self, args):
        _need(args, 1)
        self._await_player_for_clock()
        kind = args[0].lower()
        shape = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if kind not in shape:
            raise GtpError("syntax error")
        _need(args, 1 + shape[kind])
        nums = [parse_int(a) for a in args[1:1 + shape[kind]]]
        if any(v < 0 for v in nums):
            raise GtpError("syntax error")
        if kind == "none":
            self.clock = Clock()
        elif kind == "absolute":
            self.clock = Clock(main_time=float(nums[0]))
        elif kind == "byoyomi":
            self.clock = Clock(main_time=float(nums[0]), byo_time=float(nums[1]),
                               periods=nums[2])
        else:
            self.clock = Clock(main_time=float(nums[0]), byo_time=float(nums[1]),
                               byo_stones=nums[2])
        return ""

    def _handicap(self, args, choose) -> str:
        """fixed_handicap and place_free_handicap: same checks, different points."""
        _need(args, 1)
        n = parse_int(args[0])
        self._require_empty()
        try:
            locs = choose(self.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self._place_handicap(locs)
        return " ".join(loc_to_gtp(loc, self.size) for loc in locs)

    def cmd_fixed_handicap(self, args):
        return self._handicap(args, fixed_handicap)

    def cmd_place_free_handicap(self, args):
        return self._handicap(args, free_handicap)

    def cmd_set_free_handicap(self, args):
        self._require_empty()
        if not 2 <= len(args) < self.size * self.size:
            raise GtpError("invalid number of stones")
        try:
            locs = [gtp_to_loc(a, self.size) for a in args]
        except CoordError:
            raise GtpError("syntax error") from None
        if PASS in locs or len(set(locs)) != len(locs):
            raise GtpError("bad vertex list")
        try:
            self._place_handicap(locs)
        except IllegalMove:
            self._new_game(self.size)
            raise GtpError("bad vertex list") from None
        return ""

    def cmd_loadsgf(self, args):
        _need(args, 1)
        upto = None
        if len(args) > 1:
            upto = parse_int(args[1]) - 1  # "the position before move_number"
            if upto < 0:
                raise GtpError("syntax error")
        try:
            record = read_sgf(args[0])
            state = record.to_game_state(upto)
        except (SgfError, OSError):
            raise GtpError("cannot load file") from None
        self.state = state
        self.komi = state.komi
        return ""

    def cmd_printsgf(self, args):
        result = self.state.result_string() if self.state.is_over() else None
        text = game_to_sgf(self.state, result=result, white=None, black=None).decode()
        if args:
            tmp = f"{args[0]}.tmp{os.getpid()}"
            try:
                with open(tmp, "w") as f:
                    f.write(text)
                os.replace(tmp, args[0])
            except OSError:
                raise GtpError("cannot save file") from None
            return ""
        return text.strip()

    def cmd_analyze_commands(self, args):
        return "\n".join([
            "string/Final Score/final_score",
            "plist/Alive Stones/final_status_list alive",
            "plist/Dead Stones/final_status_list dead",
            "gfx/Ownership/tengen-ownership",
            "string/Show Board/showboard",
            "none/Print SGF/printsgf",
        ])
