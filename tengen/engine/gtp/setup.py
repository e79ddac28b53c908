"""The position: board size, komi, moves and undo, handicap stones, SGF in and out."""
from __future__ import annotations

import os
from pathlib import Path

from tengen.engine.board import BLACK, MAX_SIZE, MIN_SIZE, PASS, WHITE
from tengen.engine.coords import GTP_COLUMNS, CoordError, gtp_to_loc, loc_to_gtp
from tengen.engine.game import GameState, IllegalMove, score_string
from tengen.engine.handicap import fixed_handicap, free_handicap
from tengen.engine.sgf import SgfError, SgfParseError, SgfSizeError, game_to_sgf, parse_sgf
from tengen.engine.gtp.protocol import (MAX_KOMI, CommandGroup, GtpError, need, parse_color,
                                       parse_float, parse_int)

# A loaded record may hold this many moves per point of its board (3610 on 19x19): more
# is no game, and replaying millions of passes would stop the engine answering.
MOVES_PER_POINT = 10


def to_loc(text: str, size: int) -> int:
    """``gtp_to_loc`` for GTP input: a vertex is ASCII ("D\u0663" is not D3)."""
    if not text.isascii():
        raise CoordError(f"invalid vertex {text!r}")
    return gtp_to_loc(text, size)


def vertex(text: str, size: int) -> int:
    try:
        return to_loc(text, size)
    except CoordError:
        if not text.isascii():
            raise GtpError("syntax error") from None
        if len(text) >= 2 and text[0].upper() in GTP_COLUMNS and text[1:].isdigit():
            raise GtpError("illegal move") from None  # well formed, but off this board
        raise GtpError("syntax error") from None


class SetupCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "boardsize": self.boardsize,
            "clear_board": self.clear_board,
            "komi": self.komi,
            "play": self.play,
            "undo": self.undo,
            "is_legal": self.is_legal,
            "showboard": self.showboard,
            "fixed_handicap": lambda a: self._handicap(a, fixed_handicap),
            "place_free_handicap": lambda a: self._handicap(a, free_handicap),
            "set_free_handicap": self.set_free_handicap,
            "loadsgf": self.loadsgf,
            "printsgf": self.printsgf,
        }

    # ------------------------------------------------------------------ helpers

    def _new_game(self, size: int) -> None:
        self.g.state = GameState(size, self.g.komi)
        # the time settings stay for the next game, the time spent and left do not
        clock = self.g.clock
        clock.time_left, clock.used, clock.move_start = {}, {}, None

    def _require_empty(self) -> None:
        if not self.g.state.is_empty() or self.g.state.moves:
            raise GtpError("board not empty")

    def _place_handicap(self, locs: list[int]) -> None:
        self.g.state.place_setup(BLACK, locs, handicap=True)
        self.g.state.to_play = WHITE

    # ------------------------------------------------------------------ commands

    def boardsize(self, args):
        need(args, 1)
        size = parse_int(args[0], MIN_SIZE, MAX_SIZE, error="unacceptable size")
        self._new_game(size)
        return ""

    def clear_board(self, args):
        self._new_game(self.g.size)
        return ""

    def komi(self, args):
        need(args, 1)
        self.g.komi = parse_float(args[0], -MAX_KOMI, MAX_KOMI,
                                  error=f"bad komi: at most {MAX_KOMI:g} either way")
        self.g.state.komi = self.g.komi
        return ""

    def play(self, args):
        need(args, 2)
        pla = parse_color(args[0])
        loc = vertex(args[1], self.g.size)
        try:
            self.g.state.play(loc, pla)
        except IllegalMove:
            raise GtpError("illegal move") from None
        return ""

    def undo(self, args):
        if not self.g.state.moves:
            raise GtpError("cannot undo")
        self.g.state.undo()
        return ""

    def is_legal(self, args):
        need(args, 2)
        pla = parse_color(args[0])
        try:
            loc = to_loc(args[1], self.g.size)
        except CoordError:
            return "0"
        return "1" if self.g.state.is_legal(loc, pla) else "0"

    def showboard(self, args):
        state = self.g.state
        size = state.size
        letters = " ".join(GTP_COLUMNS[:size])
        rows = [f"   {letters}"]
        for r, line in enumerate(state.colors()):
            n = size - r
            cells = " ".join(".XO"[int(v)] for v in line)
            rows.append(f"{n:2d} {cells} {n:2d}")
        rows.append(f"   {letters}")
        to_play = "Black" if state.to_play == BLACK else "White"
        rows.append(f"{to_play} to play, komi {state.komi:g}, move {len(state.moves)}")
        return "\n" + "\n".join(rows)

    def _handicap(self, args, choose) -> str:
        """fixed_handicap and place_free_handicap: same checks, different points."""
        need(args, 1)
        n = parse_int(args[0], error="invalid number of stones")
        self._require_empty()
        try:
            locs = choose(self.g.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self._place_handicap(locs)
        return " ".join(loc_to_gtp(loc, self.g.size) for loc in locs)

    def set_free_handicap(self, args):
        self._require_empty()
        size = self.g.size
        if not 2 <= len(args) < size * size:
            raise GtpError("invalid number of stones")
        try:
            locs = [to_loc(a, size) for a in args]
        except CoordError:
            raise GtpError("syntax error") from None
        if PASS in locs or len(set(locs)) != len(locs):
            raise GtpError("bad vertex list")
        state = self.g.state.copy()  # the session's state is kept if a stone fails
        try:
            state.place_setup(BLACK, locs, handicap=True)
        except IllegalMove:
            raise GtpError("bad vertex list") from None
        state.to_play = WHITE
        self.g.state = state
        return ""

    def loadsgf(self, args):
        need(args, 1)
        upto = None
        if len(args) > 1:
            upto = parse_int(args[1], 1, what="move number") - 1  # "the position before"
        try:
            data = Path(args[0]).read_bytes()
        except OSError as e:
            raise GtpError(f"cannot load file: {(e.strerror or 'unreadable').lower()}") from None
        except ValueError:  # a path Python cannot pass to the system
            raise GtpError("cannot load file: bad file name") from None
        try:
            record = parse_sgf(data, moves_per_point=MOVES_PER_POINT)
            if not -MAX_KOMI <= record.komi <= MAX_KOMI:  # (NaN fails too)
                raise GtpError(f"cannot load file: bad komi {record.komi:g}")
            state = record.to_game_state(upto)
        except SgfSizeError as e:
            raise GtpError(f"cannot load file: {e}") from None
        except SgfParseError as e:
            raise GtpError(f"cannot load file: not an SGF game record ({e})") from None
        except SgfError as e:  # illegal move N, bad setup stones
            raise GtpError(f"cannot load file: {e}") from None
        self.g.state = state
        self.g.komi = state.komi
        return ""

    def printsgf(self, args):
        state = self.g.state
        result = score_string(self.g.judge(state).score) if state.is_over() else None
        text = game_to_sgf(state, result=result, white=None, black=None).decode()
        if args:
            self._save(args[0], text)
            return ""
        return text.strip()

    @staticmethod
    def _save(path: str, text: str) -> None:
        """Write ``path`` whole or not at all (a temporary file beside it, renamed), and
        leave no temporary file behind when that fails."""
        if os.path.isdir(path):
            raise GtpError("cannot save file: is a directory")
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
        except (OSError, ValueError) as e:  # ValueError: a name the system cannot take
            reason = getattr(e, "strerror", None) or "bad file name"
            try:
                os.unlink(tmp)
            except (OSError, ValueError):
                pass
            raise GtpError(f"cannot save file: {reason.lower()}") from None
